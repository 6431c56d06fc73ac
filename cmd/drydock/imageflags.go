package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/drydock/drydock/catalog"
	"github.com/drydock/drydock/image"
)

// imageFlags are the flags of every verb that opens and catalogs an image:
// which platform, which credentials, plain HTTP or not, and the layer cache.
type imageFlags struct {
	platform, username, password string
	insecure, noCache            bool
}

func (f *imageFlags) addFlags(fl *pflag.FlagSet) {
	fl.StringVar(&f.platform, "platform", "", "os/arch[/variant] of the image (default linux/<host arch>);\nan image of one other platform is refused")
	fl.StringVar(&f.username, "username", "", "registry user name (default: Docker credentials, else anonymous)")
	fl.StringVar(&f.password, "password", "", "registry password or token")
	fl.BoolVar(&f.insecure, "insecure", false, "allow plain HTTP and unverified TLS to the registry")
	fl.BoolVar(&f.noCache, "no-cache", false, "catalog every layer afresh and keep nothing in the layer cache")
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
