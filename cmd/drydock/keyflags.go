package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/drydock/drydock/image"
	"github.com/drydock/drydock/sign"
)

// keyPassword is the private key's password: $COSIGN_PASSWORD when it is
// set (even empty, as cosign reads it), else asked on the terminal, twice
// when confirm. Without either it is a usage error, never a silent "".
func keyPassword(stderr io.Writer, confirm bool) ([]byte, error) {
	if pw, ok := os.LookupEnv("COSIGN_PASSWORD"); ok {
		return []byte(pw), nil
	}
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return nil, usageError{errors.New("the key's password: set $COSIGN_PASSWORD (it may be empty) or run on a terminal")}
	}
	fmt.Fprint(stderr, "Enter password for private key: ")
	pw, err := term.ReadPassword(fd)
	fmt.Fprintln(stderr)
	if err != nil {
		return nil, usageError{fmt.Errorf("reading the password: %w", err)}
	}
	if confirm {
		fmt.Fprint(stderr, "Enter password for private key again: ")
		again, err := term.ReadPassword(fd)
		fmt.Fprintln(stderr)
		if err != nil {
			return nil, usageError{fmt.Errorf("reading the password: %w", err)}
		}
		if !bytes.Equal(pw, again) {
			return nil, usageError{errors.New("the two passwords differ")}
		}
	}
	return pw, nil
}

// loadSigner reads --key, asking for its password.
func loadSigner(path string, stderr io.Writer) (*sign.Signer, error) {
	if path == "" {
		return nil, usageError{errors.New("--key: the private key file (cosign.key) is required")}
	}
	if _, err := os.Stat(path); err != nil {
		return nil, usageError{fmt.Errorf("--key: %w", err)}
	}
	pw, err := keyPassword(stderr, false)
	if err != nil {
		return nil, err
	}
	return sign.LoadSignerFile(path, pw)
}

// loadPublicKeys reads every --key file given.
func loadPublicKeys(paths []string) ([]*sign.PublicKey, error) {
	if len(paths) == 0 {
		return nil, usageError{errors.New("--key: a public key file (cosign.pub) is required")}
	}
	var keys []*sign.PublicKey
	for _, p := range paths {
		k, err := sign.LoadPublicKeyFile(p)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// registryFlags are the registry client flags of the signing verbs. CI
// jobs may give credentials as $DRYDOCK_USERNAME and $DRYDOCK_PASSWORD (a
// robot account) instead of flags.
type registryFlags struct {
	username, password string
	insecure           bool
}

func (f *registryFlags) addFlags(fl *pflag.FlagSet) {
	fl.StringVar(&f.username, "username", "", "registry user name (default: $DRYDOCK_USERNAME and $DRYDOCK_PASSWORD, else the Docker config from drydock login, else anonymous)")
	fl.StringVar(&f.password, "password", "", "registry password or token")
	fl.BoolVar(&f.insecure, "insecure", false, "allow plain HTTP and unverified TLS to the registry")
}

func (f *registryFlags) access() (image.RegistryAccess, error) {
	// Without --username, RegistryAccess takes $DRYDOCK_USERNAME and
	// $DRYDOCK_PASSWORD, then the Docker config.
	a := image.RegistryAccess{User: f.username, Password: f.password, Insecure: f.insecure}
	if a.User == "" && a.Password != "" {
		return a, usageError{errors.New("--password needs --username")}
	}
	return a, nil
}

// target resolves ref (a tag or digest) to the manifest digest it names.
func (f *registryFlags) target(ctx context.Context, ref string) (*sign.Target, error) {
	a, err := f.access()
	if err != nil {
		return nil, err
	}
	ropts, err := sign.Session(a.RemoteOptions(ctx))
	if err != nil {
		return nil, err
	}
	d, desc, err := sign.Resolve(ctx, ref, a.NameOptions(), ropts)
	if err != nil {
		return nil, err
	}
	return &sign.Target{Digest: d, Descriptor: desc, Remote: ropts}, nil
}
