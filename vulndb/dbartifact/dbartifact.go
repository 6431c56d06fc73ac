// Package dbartifact moves drydock's vulnerability database through an OCI
// registry, so that an air-gapped site updates once on a connected machine,
// pushes the file to its private registry, and every scanner inside pulls
// it. Push uploads a consistent snapshot of the database as an OCI 1.1
// artifact (artifactType ArtifactType, the empty config, one zstd layer);
// Pull checks the artifact, verifies and bounds the layer while streaming it
// into a file beside the target, opens that file with vulndb.Open, and only
// then renames it over the target, so a failed pull leaves the previous
// database whole.
package dbartifact

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/drydock/drydock/image"
	"github.com/drydock/drydock/sign"
	"github.com/drydock/drydock/vulndb"
)

// Media types of the artifact.
const (
	// ArtifactType is the manifest's artifactType.
	ArtifactType = "application/vnd.drydock.vulndb.v1"
	// LayerMediaType is the one layer: the SQLite file, zstd-compressed.
	LayerMediaType = "application/vnd.drydock.vulndb.layer.v1.sqlite+zstd"
)

// Annotations Push writes on the manifest. They describe the database
// without downloading it (crane manifest, the registry's UI).
const (
	AnnotationCreated       = "org.opencontainers.image.created"
	AnnotationSchemaVersion = "vnd.drydock.vulndb.schema-version"
	AnnotationRecords       = "vnd.drydock.vulndb.records"
	AnnotationBuilt         = "vnd.drydock.vulndb.built"
	// AnnotationSources is a JSON object: source name → last import time
	// (RFC 3339). Source names can be paths, so they are not keys of their own.
	AnnotationSources = "vnd.drydock.vulndb.sources"
)

// Sentinel errors; test with errors.Is through any wrapping.
var (
	// ErrNotVulnDB means the reference names something other than a drydock
	// vulnerability database artifact (an image, another artifact type).
	ErrNotVulnDB = errors.New("dbartifact: not a drydock vulnerability database artifact")
	// ErrLayer means the layer's bytes are not what the manifest promised: a
	// digest or size mismatch, a truncated or corrupt stream, over a limit.
	ErrLayer = errors.New("dbartifact: bad database layer")
	// ErrOlder means the pulled database is older than the local one and
	// WithForce was not given.
	ErrOlder = errors.New("dbartifact: pulled database is older than the local one (use --force to take it anyway)")
)

// Error is a failed push or pull the user can act on: a bad reference, no
// access, a wrong or broken artifact, an older database (InvalidInput);
// network failures and server errors are returned unwrapped (internal).
type Error struct {
	Ref string // the reference as given
	Err error
}

func (e *Error) Error() string { return fmt.Sprintf("vulndb artifact %s: %v", e.Ref, e.Err) }

func (e *Error) Unwrap() error { return e.Err }

// InvalidInput reports true: the user can act on it.
func (e *Error) InvalidInput() bool { return true }

// Option configures Push and Pull.
type Option func(*options) error

type options struct {
	access   image.RegistryAccess
	force    bool
	maxLayer int64
	maxDB    int64
	now      func() time.Time
	signer   *sign.Signer
	keys     []*sign.PublicKey
}

func newOptions(opts []Option) (*options, error) {
	o := &options{maxLayer: 4 << 30, maxDB: 16 << 30, now: time.Now}
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

// WithBasicAuth logs in with a user name and password (or token).
// Default: credentials from the Docker config and its helpers, anonymous
// where it has none.
func WithBasicAuth(user, pass string) Option {
	return func(o *options) error {
		if user == "" {
			return &vulndb.OptionError{Option: "WithBasicAuth", Err: errors.New("needs a user name")}
		}
		o.access.User, o.access.Password = user, pass
		return nil
	}
}

// WithInsecure allows plain HTTP and unverified TLS. Default: HTTPS only,
// except for localhost as go-containerregistry allows.
func WithInsecure() Option {
	return func(o *options) error { o.access.Insecure = true; return nil }
}

// WithTransport sends registry requests through rt. Default:
// http.DefaultTransport.
func WithTransport(rt http.RoundTripper) Option {
	return func(o *options) error {
		if rt == nil {
			return &vulndb.OptionError{Option: "WithTransport", Err: errors.New("nil transport")}
		}
		o.access.Transport = rt
		return nil
	}
}

// WithForce lets Pull replace a local database that is newer than the
// pulled one. Default: such a pull is refused with ErrOlder.
func WithForce() Option {
	return func(o *options) error { o.force = true; return nil }
}

// WithMaxSize bounds what Pull accepts: layer is the compressed layer, db
// the decompressed file. Default: 4 GiB and 16 GiB (the whole OSV export is
// well under 2 GiB decompressed).
func WithMaxSize(layer, db int64) Option {
	return func(o *options) error {
		if layer <= 0 || db <= 0 {
			return &vulndb.OptionError{Option: "WithMaxSize", Err: fmt.Errorf("sizes %d, %d must be positive", layer, db)}
		}
		o.maxLayer, o.maxDB = layer, db
		return nil
	}
}

// WithClock sets the clock Push writes the created annotation from.
// Default: time.Now.
func WithClock(now func() time.Time) Option {
	return func(o *options) error {
		if now == nil {
			return &vulndb.OptionError{Option: "WithClock", Err: errors.New("nil clock")}
		}
		o.now = now
		return nil
	}
}

// registryErr classifies a registry error the way the image package does:
// what the user can fix (no access, no such tag) keeps the registry's reason
// and is an *Error; a network failure or a server error is not.
func registryErr(ref string, err error) error {
	var te *transport.Error
	if errors.As(err, &te) {
		switch te.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
			return &Error{Ref: ref, Err: err}
		}
	}
	return fmt.Errorf("vulndb artifact %s: %w", ref, err)
}
