package registry

import (
	"context"
	"fmt"

	"github.com/drydock/drydock/auth"
)

// DeleteManifest removes a manifest from repo as DELETE on /v2/ does, for
// the REST API, which authorizes and audits the call itself as it knows
// the caller. In read-only mode it refuses with ErrReadOnly. A missing
// manifest is store.ErrNotFound.
func (rg *Registry) DeleteManifest(ctx context.Context, repo, digest string) error {
	if rg.o.readOnly {
		return ErrReadOnly
	}
	return rg.st.DeleteManifest(ctx, repo, digest)
}

// DeleteTag removes a tag from repo as DELETE on /v2/ does; see
// DeleteManifest.
func (rg *Registry) DeleteTag(ctx context.Context, repo, tag string) error {
	if rg.o.readOnly {
		return ErrReadOnly
	}
	return rg.st.DeleteTag(ctx, repo, tag)
}

// ErrReadOnly refuses a change while the registry is read-only.
var ErrReadOnly = fmt.Errorf("%w: the registry is read-only", auth.ErrForbidden)
