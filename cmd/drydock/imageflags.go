package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/drydock/drydock/catalog"
	"github.com/drydock/drydock/image"
)

// imageFlags are the flags of every verb that opens and catalogs an image:
// which platform, which credentials, plain HTTP or not, and the layer cache.
type imageFlags struct {
	platform, username, password string
	insecure, noCache, quiet     bool
	timeout                      time.Duration
}

func (f *imageFlags) addFlags(fl *pflag.FlagSet) {
	fl.StringVar(&f.platform, "platform", "", "os/arch[/variant] of the image (default linux/<host arch>); an image of one other platform is refused")
	fl.StringVar(&f.username, "username", "", "registry user name (default: $DRYDOCK_USERNAME and $DRYDOCK_PASSWORD, else the Docker config from drydock login, else anonymous)")
	fl.StringVar(&f.password, "password", "", "registry password or token")
	fl.BoolVar(&f.insecure, "insecure", false, "allow plain HTTP and unverified TLS to the registry")
	fl.BoolVar(&f.noCache, "no-cache", false, "catalog every layer afresh and keep nothing in the layer cache")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress and no warnings on standard error")
	fl.DurationVar(&f.timeout, "timeout", 0, "give up after this long, e.g. 5m (default: no limit)")
}

// imageOptions turns the flags into image options; contradictions are usage errors.
func (f *imageFlags) imageOptions() ([]image.Option, error) {
	var opts []image.Option
	if f.platform != "" {
		if parts := strings.Split(f.platform, "/"); len(parts) < 2 || len(parts) > 3 || slices.Contains(parts, "") {
			return nil, usageError{fmt.Errorf("--platform %q: want os/arch[/variant]", f.platform)}
		}
		opts = append(opts, image.WithPlatform(f.platform))
	}
	switch {
	case f.username != "":
		opts = append(opts, image.WithBasicAuth(f.username, f.password))
	case f.password != "":
		return nil, usageError{errors.New("--password needs --username")}
	}
	if f.insecure {
		opts = append(opts, image.WithInsecure())
	}
	return opts, nil
}

// catalogOptions turns the flags into catalog options.
func (f *imageFlags) catalogOptions() []catalog.Option {
	if f.noCache {
		return []catalog.Option{catalog.WithoutCache()}
	}
	return nil
}

// sbomOrImage names a plain path to a JSON document as the stored SBOM it
// is ("sbom:FILE"); every other reference goes to image.Open, which detects
// archives, layouts and folders itself.
func sbomOrImage(ref string) string {
	if strings.Contains(ref, ":") && !strings.HasPrefix(ref, "/") && !strings.HasPrefix(ref, ".") {
		return ref
	}
	if kind, err := image.Detect(ref); err == nil && kind == image.KindSBOM {
		return "sbom:" + ref
	}
	return ref
}

// withTimeout bounds ctx by --timeout.
func (f *imageFlags) withTimeout(ctx context.Context) (context.Context, context.CancelFunc, error) {
	switch {
	case f.timeout < 0:
		return nil, nil, usageError{fmt.Errorf("--timeout %s: want a positive duration", f.timeout)}
	case f.timeout == 0:
		return ctx, func() {}, nil
	}
	ctx, cancel := context.WithTimeoutCause(ctx, f.timeout, errTimeout)
	return ctx, cancel, nil
}

var errTimeout = errors.New("--timeout passed")

// timeoutErr says that --timeout, not a fault, stopped the work.
func (f *imageFlags) timeoutErr(ctx context.Context, err error) error {
	if err != nil && errors.Is(context.Cause(ctx), errTimeout) {
		return usageError{fmt.Errorf("gave up after --timeout %s (raise it for a large image or a slow registry): %w", f.timeout, err)}
	}
	return err
}
