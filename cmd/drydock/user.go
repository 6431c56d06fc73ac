package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/server"
	"github.com/drydock/drydock/store"
)

func init() { addCommand(newUserCmd) }

// adminEnv is what the account verbs (user, robot, namespace, member,
// audit-log) share: the same configuration as drydock serve, and the
// services opened on its existing data.
type adminEnv struct {
	cf   configFlags
	data *server.Data
	cfg  server.Config // as resolved by open
	st   *store.Store

	audit *auditlog.Log
	svc   *auth.Service
	actor auth.Principal
}

// nameVerb is a verb that takes one account name, does one thing to it and
// says so: "drydock user disable alice" → "disabled user alice".
func (e *adminEnv) nameVerb(use, short string, do func(ctx context.Context, name string) error, done string) *cobra.Command {
	return &cobra.Command{
		Use: use, Short: short, Args: exactArgs(1),
		RunE: e.run(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			if err := do(ctx, args[0]); err != nil {
				return err
			}
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "%s %s\n", done, args[0])
			return err
		}),
	}
}

func (e *adminEnv) addFlags(cmd *cobra.Command) {
	e.cf.bind = dataFlags
	e.cf.add(cmd, true)
}

// open resolves the configuration as drydock serve does and opens the
// store, the audit log and the auth service on data that must already
// exist. Whoever runs these verbs can read the database anyway, so they act
// as a local administrator, named after the OS user in the trail.
func (e *adminEnv) open(cmd *cobra.Command) error {
	cfg, err := e.cf.resolve(cmd)
	if err != nil {
		return err
	}
	if e.data, err = server.OpenData(cmd.Context(), cfg, server.Managing, quietLogger()); err != nil {
		return noData(err)
	}
	e.cfg, e.st, e.audit, e.svc = e.data.Config, e.data.Store, e.data.Audit, e.data.Auth
	e.actor = auth.Local(os.Getenv("USER"))
	return nil
}

func (e *adminEnv) close() {
	if e.data != nil {
		e.data.Close()
	}
}

// quietLogger drops the services' logs: a verb reports what it did itself.
func quietLogger() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

// run wraps a verb body with open and close.
func (e *adminEnv) run(fn func(ctx context.Context, cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := e.open(cmd); err != nil {
			return err
		}
		defer e.close()
		err := fn(cmd.Context(), cmd, args)
		// A name that is taken or missing is a mistake in the command
		// line, not a failure of drydock.
		if errors.Is(err, auth.ErrExists) || errors.Is(err, auth.ErrNotFound) {
			return usageError{err}
		}
		return err
	}
}

func newUserCmd() *cobra.Command {
	env := &adminEnv{}
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Manage registry users (add, list, passwd, disable, delete, …)",
		Long: `Manage the registry's users. A user's rights come from system
administration (--admin) and from membership of namespaces (drydock member).
Like every management verb, it works on existing data: start drydock serve
once first, and pass the same --data, --database or --config.`,
		Example: `  drydock user add alice
  echo "$PASSWORD" | drydock user add ci-admin --admin --password-stdin
  drydock user list --format json`,
	}
	env.addFlags(cmd)
	var admin, stdin bool
	add := &cobra.Command{
		Use:   "add NAME",
		Short: "Add a user (prints a generated password once)",
		Long: `Add a user. Without --password-stdin a password is generated and printed
once; with it, the first line of standard input is the password.`,
		Example: `  drydock user add alice
  drydock user add bob --admin
  printf '%s\n' "$PASSWORD" | drydock user add carol --password-stdin`,
		Args: exactArgs(1),
		RunE: env.run(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			pw, generated, err := readPassword(cmd.InOrStdin(), stdin)
			if err != nil {
				return err
			}
			if err := env.svc.AddUser(ctx, env.actor, args[0], pw, admin); err != nil {
				return err
			}
			return reportPassword(cmd.OutOrStdout(), "created user "+args[0], pw, generated)
		}),
	}
	add.Flags().BoolVar(&admin, "admin", false, "make the user a system administrator")
	add.Flags().BoolVar(&stdin, "password-stdin", false, "read the password from the first line of standard input")
	passwd := &cobra.Command{
		Use:   "passwd NAME",
		Short: "Set a user's password and revoke their tokens",
		Long: `Set a user's password and revoke every token issued to them. Without
--password-stdin a password is generated and printed once.`,
		Example: `  drydock user passwd alice
  printf '%s\n' "$PASSWORD" | drydock user passwd alice --password-stdin`,
		Args: exactArgs(1),
		RunE: env.run(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			pw, generated, err := readPassword(cmd.InOrStdin(), stdin)
			if err != nil {
				return err
			}
			if err := env.svc.SetPassword(ctx, env.actor, args[0], pw); err != nil {
				return err
			}
			return reportPassword(cmd.OutOrStdout(), "changed the password of "+args[0], pw, generated)
		}),
	}
	passwd.Flags().BoolVar(&stdin, "password-stdin", false, "read the password from the first line of standard input")
	var format string
	list := &cobra.Command{
		Use:   "list",
		Short: "List users",
		Example: `  drydock user list
  drydock user list --format json`,
		Args: exactArgs(0),
		RunE: env.run(func(ctx context.Context, cmd *cobra.Command, _ []string) error {
			us, err := env.svc.ListUsers(ctx, env.actor)
			if err != nil {
				return err
			}
			return printUsers(cmd.OutOrStdout(), us, format)
		}),
	}
	list.Flags().StringVar(&format, "format", "table", "table or json")
	simple := func(use, short string, do func(ctx context.Context, name string) error, done string) *cobra.Command {
		v := env.nameVerb(use+" NAME", short, do, done)
		v.Example = "  drydock user " + use + " alice"
		return v
	}
	cmd.AddCommand(add, passwd, list,
		simple("delete", "Delete a user and their memberships", func(ctx context.Context, n string) error { return env.svc.DeleteUser(ctx, env.actor, n) }, "deleted user"),
		simple("disable", "Disable a user and revoke their tokens", func(ctx context.Context, n string) error { return env.svc.SetUserDisabled(ctx, env.actor, n, true) }, "disabled user"),
		simple("enable", "Enable a disabled user", func(ctx context.Context, n string) error { return env.svc.SetUserDisabled(ctx, env.actor, n, false) }, "enabled user"),
		simple("revoke-tokens", "Refuse every token issued so far to a user or robot", func(ctx context.Context, n string) error { return env.svc.RevokeUserTokens(ctx, env.actor, n) }, "revoked the tokens of"),
	)
	return cmd
}

// readPassword takes the first line of r, or makes a random password.
func readPassword(r io.Reader, fromStdin bool) (string, bool, error) {
	if fromStdin {
		line, err := bufio.NewReader(r).ReadString('\n')
		if err != nil && err != io.EOF {
			return "", false, fmt.Errorf("read password: %w", err)
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			return "", false, usageError{fmt.Errorf("--password-stdin: standard input is empty")}
		}
		return line, false, nil
	}
	raw := make([]byte, 18)
	if _, err := rand.Read(raw); err != nil {
		return "", false, fmt.Errorf("generate password: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(raw), true, nil
}

func reportPassword(w io.Writer, what, pw string, generated bool) error {
	if !generated {
		_, err := fmt.Fprintln(w, what)
		return err
	}
	_, err := fmt.Fprintf(w, "%s\npassword: %s\n(shown only now)\n", what, pw)
	return err
}

func printUsers(w io.Writer, us []auth.User, format string) error {
	type row struct {
		Name     string `json:"name"`
		Admin    bool   `json:"admin"`
		Disabled bool   `json:"disabled"`
		Created  string `json:"created"`
	}
	rows := make([]row, 0, len(us))
	for _, u := range us {
		rows = append(rows, row{u.Name, u.Admin, u.Disabled, u.Created.Format("2006-01-02T15:04:05Z")})
	}
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	case "table":
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tADMIN\tDISABLED\tCREATED")
		for _, r := range rows {
			fmt.Fprintf(tw, "%s\t%t\t%t\t%s\n", r.Name, r.Admin, r.Disabled, r.Created)
		}
		return tw.Flush()
	}
	return usageError{fmt.Errorf("--format %q: want table or json", format)}
}
