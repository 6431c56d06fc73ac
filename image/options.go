package image

import (
	"errors"
	"fmt"
	"net/http"
	"runtime"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Limits bound what one layer walk may cost, whatever the layer holds. A
// zero field takes its default.
type Limits struct {
	// MaxFileSize is the largest regular file whose content Entry.Reader
	// gives out; a bigger file reads as ErrTooLarge. Default 512 MiB.
	MaxFileSize int64
	// MaxEntries is the most tar entries one layer may have. Default
	// 2,000,000. Memory does not grow with entries (the walk streams); the
	// limit bounds time.
	MaxEntries int
	// MaxLayerBytes is the most uncompressed bytes one layer may have.
	// Default 16 GiB.
	MaxLayerBytes int64
	// MaxRatio is the largest decompression ratio (uncompressed bytes per
	// stored byte) a layer may reach once it has passed RatioAfter
	// uncompressed bytes. Default 100.
	MaxRatio int64
	// RatioAfter is how many uncompressed bytes a layer may produce before
	// MaxRatio is enforced: small layers of zeros legitimately compress very
	// well. Default 256 MiB.
	RatioAfter int64
}

// DefaultLimits are the limits used when WithLimits is not given.
var DefaultLimits = Limits{
	MaxFileSize:   512 << 20,
	MaxEntries:    2_000_000,
	MaxLayerBytes: 16 << 30,
	MaxRatio:      100,
	RatioAfter:    256 << 20,
}

// withDefaults fills zero fields from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxFileSize > 0 {
		d.MaxFileSize = l.MaxFileSize
	}
	if l.MaxEntries > 0 {
		d.MaxEntries = l.MaxEntries
	}
	if l.MaxLayerBytes > 0 {
		d.MaxLayerBytes = l.MaxLayerBytes
	}
	if l.MaxRatio > 0 {
		d.MaxRatio = l.MaxRatio
	}
	if l.RatioAfter > 0 {
		d.RatioAfter = l.RatioAfter
	}
	return d
}

// Option configures Open and FromV1.
type Option func(*options) error

type options struct {
	limits   Limits
	platform v1.Platform
	// platformSet says WithPlatform was given: an image of one platform
	// that is not it is then refused rather than read.
	platformSet bool
	access      RegistryAccess
	progress    *Progress

	// blobsVerified is set by sources that check each compressed blob
	// against its digest themselves (go-containerregistry's remote does, at
	// EOF), so that the walk does not hash the same bytes twice.
	blobsVerified bool
	// storedUncompressed is set for docker-archive images whose layers are
	// stored as plain tar: asking go-containerregistry for their compressed
	// form would gzip them.
	storedUncompressed bool
}

// pickedFromIndex is o for an image an index chose by its platform: the
// index's descriptor, not the config, answered WithPlatform.
func (o *options) pickedFromIndex() *options {
	c := *o
	c.platformSet = false
	return &c
}

func makeOptions(opts []Option) (*options, error) {
	o := &options{
		limits:   DefaultLimits,
		platform: v1.Platform{OS: "linux", Architecture: runtime.GOARCH},
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(o); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// WithLimits sets the limits of every layer walk. Zero fields keep their
// default (see DefaultLimits); negative fields are an error.
func WithLimits(l Limits) Option {
	return func(o *options) error {
		if l.MaxFileSize < 0 || l.MaxEntries < 0 || l.MaxLayerBytes < 0 || l.MaxRatio < 0 || l.RatioAfter < 0 {
			return fmt.Errorf("limits must not be negative: %+v", l)
		}
		o.limits = l.withDefaults()
		return nil
	}
}

// WithPlatform selects the image of an index by platform, "os/arch" or
// "os/arch/variant" (e.g. "linux/arm64", "linux/arm/v7"). Default:
// linux/<the host's GOARCH>. A source holding one image of another platform
// (by its config's os and architecture) is refused with an *ImageError naming
// the platform it has; dir: sources, which record none, are read as they are.
func WithPlatform(platform string) Option {
	return func(o *options) error {
		p, err := v1.ParsePlatform(platform)
		if err != nil || p.OS == "" || p.Architecture == "" {
			return fmt.Errorf("platform %q is not os/arch[/variant]", platform)
		}
		o.platform, o.platformSet = *p, true
		return nil
	}
}

// WithBasicAuth logs in to the registry with a user name and password (or
// token). Default: credentials from the Docker config (~/.docker/config.json
// and its credential helpers), anonymous where it has none.
func WithBasicAuth(user, pass string) Option {
	return func(o *options) error {
		if user == "" {
			return errors.New("basic auth needs a user name")
		}
		o.access.User, o.access.Password = user, pass
		return nil
	}
}

// WithInsecure lets registry references use plain HTTP (and unverified
// TLS). Default: HTTPS only, except for localhost as go-containerregistry
// allows.
func WithInsecure() Option {
	return func(o *options) error {
		o.access.Insecure = true
		return nil
	}
}

// WithTransport sends registry requests through rt (tests use an in-process
// registry's client). Default: http.DefaultTransport.
func WithTransport(rt http.RoundTripper) Option {
	return func(o *options) error {
		if rt == nil {
			return errors.New("transport must not be nil")
		}
		o.access.Transport = rt
		return nil
	}
}
