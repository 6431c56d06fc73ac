package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/docker/cli/cli/config"
	"github.com/docker/cli/cli/config/types"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/drydock/drydock/image"
)

func init() {
	addCommand(newLoginCmd)
	addCommand(newLogoutCmd)
}

// loginFlags are the flags of `drydock login`.
type loginFlags struct {
	username, password      string
	passwordStdin, insecure bool
}

func newLoginCmd() *cobra.Command {
	var f loginFlags
	cmd := &cobra.Command{
		Use:   "login REGISTRY",
		Short: "Log in to a registry and keep the credentials in the Docker config",
		Long: `Check a user name and password (or token) against REGISTRY, then store
them in the Docker config ($DOCKER_CONFIG/config.json, else
~/.docker/config.json, or its credential helper), where drydock, docker,
crane and skopeo find them.`,
		Example: `  drydock login registry.local:5000 -u alice --password-stdin < alice.pw
  echo "$TOKEN" | drydock login ghcr.io -u bot --password-stdin
  drydock login localhost:5000 -u admin --password-stdin --insecure`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLogin(cmd.Context(), args[0], f, cmd.InOrStdin(), cmd.OutOrStdout())
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.username, "username", "u", "", "user name (required)")
	fl.StringVarP(&f.password, "password", "p", "", "password or token (visible to other users of this machine: prefer --password-stdin)")
	fl.BoolVar(&f.passwordStdin, "password-stdin", false, "read the password or token from standard input (without it, a terminal is asked)")
	fl.BoolVar(&f.insecure, "insecure", false, "allow plain HTTP and unverified TLS to the registry")
	return cmd
}

func newLogoutCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "logout REGISTRY",
		Short: "Remove a registry's credentials from the Docker config",
		Long: `Remove the credentials for REGISTRY from the Docker config
($DOCKER_CONFIG/config.json, else ~/.docker/config.json, or its credential
helper).`,
		Example: `  drydock logout registry.local:5000`,
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLogout(args[0], cmd.OutOrStdout())
		},
	}
}

// runLogin checks the credentials with the registry's own login flow (a
// token exchange where the registry asks for one) and stores them.
func runLogin(ctx context.Context, server string, f loginFlags, stdin io.Reader, stdout io.Writer) error {
	reg, err := parseRegistry(server, f.insecure)
	if err != nil {
		return err
	}
	if f.username == "" {
		return usageError{errors.New("give the user name with --username (-u)")}
	}
	password := f.password
	switch {
	case f.passwordStdin && password != "":
		return usageError{errors.New("give --password or --password-stdin, not both")}
	case f.passwordStdin:
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return usageError{fmt.Errorf("reading the password from standard input: %w", err)}
		}
		password = strings.TrimRight(line, "\r\n")
	}
	if password == "" && !f.passwordStdin {
		password, err = promptPassword(stdin, stdout)
		if err != nil {
			return err
		}
	}
	if password == "" {
		return usageError{errors.New("no password: give --password-stdin (or --password)")}
	}
	access := image.RegistryAccess{User: f.username, Password: password, Insecure: f.insecure}
	auth := &authn.Basic{Username: f.username, Password: password}
	scope := []string{reg.Scope(transport.PullScope)}
	if _, err := transport.NewWithContext(ctx, reg, auth, access.RoundTripper(), scope); err != nil {
		return loginErr(reg, f.username, err)
	}
	cf, err := config.Load("")
	if err != nil {
		return usageError{fmt.Errorf("the Docker config: %w", err)}
	}
	key := configKey(reg)
	if err := cf.GetCredentialsStore(key).Store(types.AuthConfig{ServerAddress: key, Username: f.username, Password: password}); err != nil {
		return fmt.Errorf("storing the credentials for %s: %w", key, err)
	}
	if err := cf.Save(); err != nil {
		return fmt.Errorf("saving %s: %w", cf.Filename, err)
	}
	_, err = fmt.Fprintf(stdout, "logged in to %s as %s (credentials in %s)\n", reg.Name(), f.username, cf.Filename)
	return err
}

// promptPassword asks for the password without echo when standard input is
// a terminal; otherwise there is nobody to ask.
func promptPassword(stdin io.Reader, stdout io.Writer) (string, error) {
	f, ok := stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", nil
	}
	fmt.Fprint(stdout, "Password: ")
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(stdout)
	if err != nil {
		return "", usageError{fmt.Errorf("reading the password: %w", err)}
	}
	return string(b), nil
}

// runLogout erases the registry's entry; having none is not an error.
func runLogout(server string, stdout io.Writer) error {
	reg, err := parseRegistry(server, false)
	if err != nil {
		return err
	}
	cf, err := config.Load("")
	if err != nil {
		return usageError{fmt.Errorf("the Docker config: %w", err)}
	}
	key := configKey(reg)
	if _, ok := cf.GetAuthConfigs()[key]; !ok {
		_, err = fmt.Fprintf(stdout, "not logged in to %s\n", reg.Name())
		return err
	}
	if err := cf.GetCredentialsStore(key).Erase(key); err != nil {
		return fmt.Errorf("removing the credentials for %s: %w", key, err)
	}
	if err := cf.Save(); err != nil {
		return fmt.Errorf("saving %s: %w", cf.Filename, err)
	}
	_, err = fmt.Fprintf(stdout, "logged out of %s\n", reg.Name())
	return err
}

// parseRegistry takes a registry name as users write it: host[:port],
// with or without a scheme or a trailing slash.
func parseRegistry(server string, insecure bool) (name.Registry, error) {
	s := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(server, "https://"), "http://"), "/")
	var opts []name.Option
	if insecure {
		opts = append(opts, name.Insecure)
	}
	reg, err := name.NewRegistry(s, append(opts, name.StrictValidation)...)
	if err != nil || strings.Contains(s, "/") {
		return name.Registry{}, usageError{fmt.Errorf("%q is not a registry name (host[:port], e.g. registry.local:5000)", server)}
	}
	return reg, nil
}

// configKey is the Docker config's key for reg: Docker Hub has its own.
func configKey(reg name.Registry) string {
	if reg.RegistryStr() == name.DefaultRegistry {
		return authn.DefaultAuthKey
	}
	return reg.RegistryStr()
}

// loginErr tells refused credentials from a registry that could not be
// reached or answered oddly, in its message; both are exit 2.
func loginErr(reg name.Registry, user string, err error) error {
	var te *transport.Error
	if errors.As(err, &te) && (te.StatusCode == 401 || te.StatusCode == 403) {
		return usageError{fmt.Errorf("%s refused the credentials of %s: %w", reg.Name(), user, err)}
	}
	return usageError{fmt.Errorf("logging in to %s: %w", reg.Name(), err)}
}
