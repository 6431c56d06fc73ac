package registry

import (
	"fmt"

	"github.com/drydock/drydock/auth"
)

// ErrReadOnly refuses a change while the registry is read-only. It wraps
// auth.ErrForbidden, which the REST API answers with 403.
var ErrReadOnly = fmt.Errorf("%w: the registry is read-only", auth.ErrForbidden)
