package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
)

// AdminUser is the name of the administrator EnsureAdmin creates.
const AdminUser = "admin"

// EnsureAdmin gives a fresh installation its first administrator: when no
// user exists it creates "admin" with password, or with a random one when
// password is "" (drydock serve passes $DRYDOCK_ADMIN_PASSWORD), and prints
// the generated password to w — the only time it is shown. With users
// already present it does nothing and reports false.
func EnsureAdmin(ctx context.Context, s *Service, password string, w io.Writer) (bool, error) {
	users, err := s.store.ListUsers(ctx)
	if err != nil {
		return false, wrapStore("list users", err)
	}
	if len(users) > 0 {
		return false, nil
	}
	generated := password == ""
	if generated {
		raw := make([]byte, 18)
		if _, err := rand.Read(raw); err != nil {
			return false, fmt.Errorf("auth: admin password: %w", err)
		}
		password = base64.RawURLEncoding.EncodeToString(raw)
	}
	if err := s.AddUser(ctx, Local("first-start"), AdminUser, password, true); err != nil {
		return false, fmt.Errorf("auth: create first administrator: %w", err)
	}
	if generated {
		if _, err := fmt.Fprintf(w, "drydock: created administrator %q with password %s\ndrydock: it is shown only now; change it with `drydock user passwd %s`\n", AdminUser, password, AdminUser); err != nil {
			return true, fmt.Errorf("auth: print admin password: %w", err)
		}
	} else if _, err := fmt.Fprintf(w, "drydock: created administrator %q with the password from the environment\n", AdminUser); err != nil {
		return true, fmt.Errorf("auth: report admin creation: %w", err)
	}
	return true, nil
}
