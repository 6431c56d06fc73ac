package auth_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/store/storetest"
)

func TestNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		check   func(string) error
		in      string
		wantErr bool
	}{
		{"namespace", auth.ValidateNamespace, "team", false},
		{"namespace with separators", auth.ValidateNamespace, "my-team.a_b", false},
		{"namespace upper case", auth.ValidateNamespace, "Team", true},
		{"namespace with slash", auth.ValidateNamespace, "a/b", true},
		{"namespace empty", auth.ValidateNamespace, "", true},
		{"namespace too long", auth.ValidateNamespace, strings.Repeat("a", 65), true},
		{"user", auth.ValidateUserName, "alice.smith", false},
		{"user with $", auth.ValidateUserName, "robot$x", true},
		{"user with +", auth.ValidateUserName, "a+b", true},
		{"user leading dot", auth.ValidateUserName, ".alice", true},
	}
	for _, tt := range tests {
		err := tt.check(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("%s %q: error %v, want error %t", tt.name, tt.in, err, tt.wantErr)
		}
		var ie *auth.InputError
		if err != nil && (!errors.As(err, &ie) || !ie.InvalidInput()) {
			t.Errorf("%s %q: error %v is not an InputError with exit code 2", tt.name, tt.in, err)
		}
	}
	for _, tt := range []struct {
		in      string
		ns, sh  string
		wantErr bool
	}{
		{"robot$team+ci", "team", "ci", false},
		{"robot$team", "", "", true},
		{"team+ci", "", "", true},
		{"robot$Team+ci", "", "", true},
	} {
		ns, sh, err := auth.ParseRobotName(tt.in)
		if (err != nil) != tt.wantErr || ns != tt.ns || sh != tt.sh {
			t.Errorf("ParseRobotName(%q) = %q %q %v, want %q %q error %t", tt.in, ns, sh, err, tt.ns, tt.sh, tt.wantErr)
		}
	}
	if _, err := auth.ParseRole("owner"); err == nil {
		t.Error(`ParseRole("owner") accepted, want an error`)
	}
}

func TestOptionsCheckInput(t *testing.T) {
	t.Parallel()
	st := storetest.SQLite(t)
	for name, opt := range map[string]auth.Option{
		"cost 9":          auth.WithBcryptCost(9),
		"min password 4":  auth.WithMinPasswordLength(4),
		"ttl 1s":          auth.WithTokenTTL(time.Second),
		"relative realm":  auth.WithRealm("/token"),
		"empty service":   auth.WithService(""),
		"zero login rate": auth.WithLoginLimit(0, time.Second),
	} {
		if _, err := auth.New(context.Background(), st, opt); err == nil {
			t.Errorf("%s: New accepted it, want an error", name)
		}
	}
}

func TestPasswords(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := t.Context()
	err := w.svc.AddUser(ctx, local, "bob", "short", false)
	var ie *auth.InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "at least 12") {
		t.Errorf("short password: %v, want an InputError naming the minimum", err)
	}
	if err := w.svc.AddUser(ctx, local, "bob", strings.Repeat("x", 73), false); !errors.As(err, &ie) {
		t.Errorf("73-byte password: %v, want an InputError", err)
	}
	u, err := w.st.GetUser(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if cost, err := bcrypt.Cost(u.PasswordHash); err != nil || cost != 10 {
		t.Errorf("stored hash cost %d (%v), want the configured 10", cost, err)
	}
	if bytes.Contains(u.PasswordHash, []byte(pw)) {
		t.Error("the stored hash contains the password")
	}
	if err := w.svc.AddUser(ctx, local, "alice", pw, false); !errors.Is(err, auth.ErrExists) {
		t.Errorf("adding alice twice = %v, want ErrExists", err)
	}
	// A user may change their own password, proving the current one;
	// the old one stops working.
	alice := auth.Principal{Name: "alice", Kind: "user"}
	if err := w.svc.SetPassword(ctx, alice, "alice", "a brand new passphrase"); !errors.Is(err, auth.ErrForbidden) {
		t.Errorf("alice setting her password without the current one = %v, want ErrForbidden", err)
	}
	if err := w.svc.ChangePassword(ctx, alice, "10.0.0.1", "not the password", "a brand new passphrase"); !errors.Is(err, auth.ErrForbidden) {
		t.Errorf("alice changing her password with a wrong current one = %v, want ErrForbidden", err)
	}
	if err := w.svc.ChangePassword(ctx, auth.Principal{Name: "robot$team+ci", Kind: "robot"}, "10.0.0.1", "x", "a brand new passphrase"); !errors.Is(err, auth.ErrForbidden) {
		t.Errorf("a robot changing a password = %v, want ErrForbidden", err)
	}
	if err := w.svc.ChangePassword(ctx, alice, "10.0.0.1", pw, "a brand new passphrase"); err != nil {
		t.Fatal(err)
	}
	if r := w.token(t, "alice"); r.status != 401 {
		t.Errorf("old password after change: status %d, want 401", r.status)
	}
	if r := w.tokenWith(t, "alice", "a brand new passphrase"); r.status != 200 {
		t.Errorf("new password: status %d, want 200", r.status)
	}
	if err := w.svc.SetPassword(ctx, auth.Principal{Name: "alice", Kind: "user"}, "wendy", "a brand new passphrase"); !errors.Is(err, auth.ErrForbidden) {
		t.Errorf("alice setting wendy's password = %v, want ErrForbidden", err)
	}
	// Disabled users cannot log in.
	if err := w.svc.SetUserDisabled(ctx, local, "wendy", true); err != nil {
		t.Fatal(err)
	}
	if r := w.token(t, "wendy"); r.status != 401 {
		t.Errorf("disabled user: status %d, want 401", r.status)
	}
}

func TestAdministrativeRights(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := t.Context()
	user := func(n string) auth.Principal { return auth.Principal{Name: n, Kind: "user"} }
	robot := auth.Principal{Name: "robot$team+ci", Kind: "robot"}
	tests := []struct {
		name string
		do   func() error
		want error // nil for success
	}{
		{"reader adds a user", func() error { return w.svc.AddUser(ctx, user("alice"), "eve", pw, false) }, auth.ErrForbidden},
		{"ns admin creates a namespace", func() error { return w.svc.CreateNamespace(ctx, user("nora"), "mine", false) }, auth.ErrForbidden},
		{"ns admin adds a member", func() error { return w.svc.PutMember(ctx, user("nora"), "team", "olga", auth.RoleReader) }, nil},
		{"maintainer adds a member", func() error { return w.svc.PutMember(ctx, user("max"), "team", "olga", auth.RoleAdmin) }, auth.ErrForbidden},
		{"other ns admin adds a member", func() error { return w.svc.PutMember(ctx, user("olga"), "team", "olga", auth.RoleAdmin) }, auth.ErrForbidden},
		{"robot creates a robot", func() error {
			_, _, err := w.svc.CreateRobot(ctx, robot, "team", "more", auth.RoleAdmin, time.Time{})
			return err
		}, auth.ErrForbidden},
		{"ns admin creates a robot", func() error {
			_, _, err := w.svc.CreateRobot(ctx, user("nora"), "team", "deploy", auth.RoleReader, time.Time{})
			return err
		}, nil},
		{"member of a missing namespace", func() error { return w.svc.PutMember(ctx, local, "ghost", "alice", auth.RoleReader) }, auth.ErrNotFound},
		{"missing user as member", func() error { return w.svc.PutMember(ctx, local, "team", "ghost", auth.RoleReader) }, auth.ErrNotFound},
		{"ns admin makes team public", func() error { return w.svc.SetNamespacePublic(ctx, user("nora"), "team", false) }, nil},
		{"writer lists members", func() error { _, err := w.svc.ListMembers(ctx, user("wendy"), "team"); return err }, nil},
		{"outsider lists members", func() error { _, err := w.svc.ListMembers(ctx, user("nobody"), "team"); return err }, auth.ErrForbidden},
		{"system admin deletes a user", func() error {
			return w.svc.DeleteUser(ctx, auth.Principal{Name: "root", Kind: "user", Admin: true}, "max")
		}, nil},
	}
	for _, tt := range tests {
		err := tt.do()
		if (tt.want == nil && err != nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
	}
	if es := w.events(t, auditlog.Filter{Actor: "alice", Action: "user.create", Outcome: auditlog.OutcomeDenied}); len(es) != 1 {
		t.Errorf("%d audit events for alice's refused user.create, want 1", len(es))
	}
	if es := w.events(t, auditlog.Filter{Actor: "nora", Action: "member.put", Outcome: auditlog.OutcomeAllowed}); len(es) != 1 || es[0].Target != "olga" || es[0].Reason != "role reader" {
		t.Errorf("audit of nora adding olga = %+v, want target olga, role reader", es)
	}
}

func TestRemovedMemberLosesAccessAtOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tok := w.token(t, "wendy", "repository:team/app:pull,push").token
	if _, err := w.svc.Authorize(request(tok), "team/app", "push"); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.RemoveMember(context.Background(), local, "team", "wendy"); err != nil {
		t.Fatal(err)
	}
	_, err := w.svc.Authorize(request(tok), "team/app", "push")
	var de *auth.DeniedError
	if !errors.As(err, &de) {
		t.Errorf("push with a token from before removal = %v, want DeniedError", err)
	}
}

func TestRobotSecretShownOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := t.Context()
	r, secret, err := w.svc.CreateRobot(ctx, local, "team", "deploy", auth.RoleReader, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Name != "robot$team+deploy" || len(secret) < 40 {
		t.Errorf("robot %q secret length %d, want robot$team+deploy and at least 40 characters", r.Name, len(secret))
	}
	stored, err := w.st.GetRobot(ctx, r.Name)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(stored.SecretHash, []byte(secret)) || len(stored.SecretHash) != 32 {
		t.Errorf("stored secret hash %x: want a 32-byte hash not containing the secret", stored.SecretHash)
	}
	if !stored.Expires.IsZero() {
		t.Errorf("robot without expiry stored expiring %v", stored.Expires)
	}
	w.secrets[r.Name] = secret
	if rep := w.token(t, r.Name, "repository:team/app:pull,push"); rep.status != 200 {
		t.Errorf("robot login: status %d, want 200", rep.status)
	}
	if _, _, err := w.svc.CreateRobot(ctx, local, "team", "late", auth.RoleReader, w.clock.Now().Add(-time.Minute)); err == nil {
		t.Error("robot expiring in the past accepted, want an error")
	}
	if _, _, err := w.svc.CreateRobot(ctx, local, "team", "deploy", auth.RoleReader, time.Time{}); !errors.Is(err, auth.ErrExists) {
		t.Errorf("same robot twice = %v, want ErrExists", err)
	}
}

func TestEnsureAdmin(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := storetest.SQLite(t)
	svc, err := auth.New(ctx, st, auth.WithBcryptCost(10), quiet)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	created, err := auth.EnsureAdmin(ctx, svc, "", &out)
	if err != nil || !created {
		t.Fatalf("first EnsureAdmin = %t, %v; want created", created, err)
	}
	m := regexp.MustCompile(`password (\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no password printed: %q", out.String())
	}
	u, err := st.GetUser(ctx, auth.AdminUser)
	if err != nil || !u.Admin {
		t.Fatalf("admin user = %+v, %v; want a system administrator", u, err)
	}
	if bcrypt.CompareHashAndPassword(u.PasswordHash, []byte(m[1])) != nil {
		t.Error("the printed password does not match the stored hash")
	}
	out.Reset()
	if created, err := auth.EnsureAdmin(ctx, svc, "", &out); err != nil || created || out.Len() != 0 {
		t.Errorf("second EnsureAdmin = %t, %v, printed %q; want nothing done", created, err, out.String())
	}
	// With the password given, it is used and not printed.
	st2 := storetest.SQLite(t)
	svc2, _ := auth.New(ctx, st2, auth.WithBcryptCost(10), quiet)
	if _, err := auth.EnsureAdmin(ctx, svc2, "s3cret-from-env-42", &out); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "s3cret-from-env-42") {
		t.Errorf("the given password was printed: %q", out.String())
	}
	u2, _ := st2.GetUser(ctx, auth.AdminUser)
	if bcrypt.CompareHashAndPassword(u2.PasswordHash, []byte("s3cret-from-env-42")) != nil {
		t.Error("the given password was not the one stored")
	}
}

// quiet sends the default log-only audit trail nowhere.
var quiet = auth.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))

// TestRecreatedAccountsDoNotInheritTokens: a token of a deleted user or
// robot is refused for a new account of the same name within its lifetime.
func TestRecreatedAccountsDoNotInheritTokens(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := t.Context()
	if err := w.svc.AddUser(ctx, local, "dora", pw, false); err != nil {
		t.Fatal(err)
	}
	w.secrets["dora"] = pw
	if err := w.svc.PutMember(ctx, local, "team", "dora", auth.RoleReader); err != nil {
		t.Fatal(err)
	}
	userTok := w.token(t, "dora", "repository:team/app:pull").token
	rb, secret, err := w.svc.CreateRobot(ctx, local, "team", "deploy", auth.RoleReader, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	w.secrets[rb.Name] = secret
	robotTok := w.token(t, rb.Name, "repository:team/app:pull").token
	for _, tok := range []string{userTok, robotTok} {
		if _, err := w.svc.Authorize(request(tok), "team/app", "pull"); err != nil {
			t.Fatalf("fresh token refused: %v", err)
		}
	}
	if err := w.svc.DeleteUser(ctx, local, "dora"); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.DeleteRobot(ctx, local, rb.Name); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.AddUser(ctx, local, "dora", "another passphrase", false); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.PutMember(ctx, local, "team", "dora", auth.RoleReader); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.svc.CreateRobot(ctx, local, "team", "deploy", auth.RoleReader, time.Time{}); err != nil {
		t.Fatal(err)
	}
	refused(t, w.svc, userTok, "the deleted user's token, for the new dora")
	refused(t, w.svc, robotTok, "the deleted robot's token, for the new robot")
}
