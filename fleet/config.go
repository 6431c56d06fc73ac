package fleet

import (
	"log/slog"
	"time"

	"github.com/drydock/drydock/blobstore"
	"github.com/drydock/drydock/enforce"
	"github.com/drydock/drydock/image"
	"github.com/drydock/drydock/policy"
	"github.com/drydock/drydock/scan"
	"github.com/drydock/drydock/store"
)

// Config is what an audit reads and where it keeps what it learned.
type Config struct {
	// Store keeps the SBOMs, findings and past audits: the local data of
	// `drydock audit`, or the registry's store.
	Store *store.Store
	// Blobs is the registry's blob store; nil: images of the private
	// registry are pulled over HTTP like any other.
	Blobs *blobstore.Store
	// Scanner catalogs the images not known yet: the process's one scanner.
	Scanner *scan.Scanner
	// Database returns the vulnerability database in use now.
	Database func() enforce.Database
	// Registries are the host[:port] names workloads pull the private
	// registry's images by.
	Registries []string
	// Policy gives the thresholds (maxAge); nil: policy.Default().
	Policy *policy.Policy
	// Policies, when set, are the registry's namespace policies: an image
	// pulled from the private registry is held to its namespace's maxAge,
	// as the registry judges it; other images to Policy.
	Policies enforce.Policies
	// ImageOptions are used to pull images not known yet (credentials,
	// plain HTTP, transport).
	ImageOptions []image.Option
	// Now is the clock; nil: time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}
