package server

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/drydock/drydock/vulndb"
)

// Config is everything `drydock serve` needs. Zero values take the
// embedded defaults (see Defaults).
type Config struct {
	// Addr is the listen address. Default 127.0.0.1:5000.
	Addr string `yaml:"addr"`
	// DataDir holds the SQLite database and the blobs. Default ./drydock-data.
	DataDir string `yaml:"data"`
	// Database is the store's DSN. Default sqlite:<DataDir>/drydock.db.
	Database string `yaml:"database"`
	// BlobDir is where the filesystem driver keeps blobs. Default <DataDir>/blobs.
	BlobDir string `yaml:"blobs"`
	// TLSCert and TLSKey switch on HTTPS when both are set.
	TLSCert string `yaml:"tlsCert"`
	TLSKey  string `yaml:"tlsKey"`
	// AdminPassword creates the first administrator on an empty database;
	// empty means a random one printed once.
	AdminPassword string `yaml:"-"`
	// Anonymous runs the registry without authentication: local tests only.
	Anonymous bool `yaml:"anonymous"`
	// ReadOnly refuses pushes and deletes.
	ReadOnly bool `yaml:"readOnly"`
	// SparseManifests accepts image manifests whose layers were not pushed
	// (partial mirrors); the config blob is still required.
	SparseManifests bool `yaml:"sparseManifests"`
	// Realm overrides the token endpoint URL in challenges (behind a proxy).
	Realm string `yaml:"realm"`
	// RetentionEvery applies the retention rules on this schedule ("24h");
	// zero leaves them to `drydock retention --delete`.
	RetentionEvery time.Duration `yaml:"retentionEvery"`
	// Workers is how many scan jobs this process runs at once. Default 2;
	// negative: none (pushes are still queued, for `drydock worker`).
	Workers int `yaml:"workers"`
	// VulnDB is the vulnerability database the workers scan with. Default
	// vulndb.DefaultPath() ($DRYDOCK_DB or the user cache).
	VulnDB string `yaml:"vulnDB"`
	// DBUpdateEvery refreshes VulnDB from the OSV export on this schedule
	// ("6h"), as `drydock db update` does; the scanner then uses the new
	// database and the stored SBOMs are rematched. Zero: never.
	DBUpdateEvery time.Duration `yaml:"dbUpdateEvery"`
	// DBUpdateURL is where the scheduled update finds
	// <base>/<Ecosystem>/all.zip. Default $DRYDOCK_OSV_URL, else the public
	// OSV export.
	DBUpdateURL string `yaml:"dbUpdateURL"`
	// DBUpdateEcosystems narrows the scheduled update to these OSV
	// ecosystems. Default vulndb.DefaultEcosystems.
	DBUpdateEcosystems []string `yaml:"dbUpdateEcosystems"`
	// JobTimeout bounds one attempt of a job; a job left running by a
	// process that died is taken up again after one and a half times this.
	// Default 10 minutes.
	JobTimeout time.Duration `yaml:"jobTimeout"`
	// Admission serves the Kubernetes admission webhooks
	// (/admission/validate, /admission/mutate); it needs TLS.
	Admission bool `yaml:"admission"`
	// AdmissionRegistries are the host[:port] names the cluster pulls
	// drydock's images by; images from any other registry are refused.
	// Default: Addr.
	AdmissionRegistries []string `yaml:"admissionRegistries"`
	// AdmissionAudit lists Kubernetes namespaces whose workloads are
	// admitted with warnings instead of refused; "*" means every one.
	AdmissionAudit []string `yaml:"admissionAudit"`
	// AdmissionTimeout bounds one review, scans on demand included; keep
	// it below the webhook's timeoutSeconds. Default 8s.
	AdmissionTimeout time.Duration `yaml:"admissionTimeout"`
	// AuditEvery audits what runs in production on this schedule ("24h"),
	// as `drydock audit` does; zero: only after a database update. An
	// audit needs a source: AuditKubeconfig, AuditInventory or both.
	AuditEvery time.Duration `yaml:"auditEvery"`
	// AuditKubeconfig is the kubeconfig file of the cluster to audit;
	// AuditContext its context (default: the file's current context);
	// AuditNamespaces the Kubernetes namespaces to look at (default all).
	AuditKubeconfig string   `yaml:"auditKubeconfig"`
	AuditContext    string   `yaml:"auditContext"`
	AuditNamespaces []string `yaml:"auditNamespaces"`
	// AuditInventory is an inventory file listing what runs, read again at
	// every audit.
	AuditInventory string `yaml:"auditInventory"`
	// AuditPolicy is a policy file whose thresholds (maxAge) apply to the
	// images pulled from elsewhere; an image of this registry is held to
	// its namespace's policy, as the registry judges it.
	AuditPolicy string `yaml:"auditPolicy"`
}

// ConfigError is a configuration drydock cannot start with: a file that
// cannot be read, an unknown key, a bad value, a TLS file that does not
// load, an address that cannot be bound. It is the caller's doing.
type ConfigError struct {
	// Where is the file (with a line when known), the variable or the
	// setting that is wrong.
	Where string
	Err   error
}

func (e *ConfigError) Error() string { return "server: " + e.Where + ": " + e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// InvalidInput reports true.
func (e *ConfigError) InvalidInput() bool { return true }

// ConfigKeys lists the keys a config file may hold, in Config's order.
func ConfigKeys() []string {
	var keys []string
	t := reflect.TypeFor[Config]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			keys = append(keys, name)
		}
	}
	return keys
}

// LoadFile reads a YAML config file over c; fields the file leaves out keep
// their values. A key that is not one of ConfigKeys is an error naming it
// with its line and listing the known keys, so a misspelt key never means a
// silent default.
func (c *Config) LoadFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return &ConfigError{Where: "config", Err: err}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return &ConfigError{Where: path, Err: err}
	}
	if len(doc.Content) == 0 {
		return nil // an empty file sets nothing
	}
	top := doc.Content[0]
	if top.Kind != yaml.MappingNode {
		return &ConfigError{Where: fmt.Sprintf("%s:%d", path, top.Line), Err: errors.New("want a mapping of keys to values")}
	}
	known := ConfigKeys()
	for i := 0; i+1 < len(top.Content); i += 2 {
		k := top.Content[i]
		if !slices.Contains(known, k.Value) {
			return &ConfigError{Where: fmt.Sprintf("%s:%d", path, k.Line),
				Err: fmt.Errorf("unknown key %q (known keys: %s)", k.Value, strings.Join(known, ", "))}
		}
	}
	if err := top.Decode(c); err != nil {
		return &ConfigError{Where: path, Err: err}
	}
	return nil
}

// LoadEnv reads DRYDOCK_* variables over c: DRYDOCK_ADDR, DRYDOCK_DATA,
// DRYDOCK_DATABASE, DRYDOCK_BLOBS, DRYDOCK_TLS_CERT, DRYDOCK_TLS_KEY,
// DRYDOCK_ADMIN_PASSWORD, DRYDOCK_ANONYMOUS, DRYDOCK_READ_ONLY, DRYDOCK_SPARSE_MANIFESTS,
// DRYDOCK_REALM, DRYDOCK_RETENTION_EVERY, DRYDOCK_DB_UPDATE_EVERY,
// DRYDOCK_AUDIT_EVERY, DRYDOCK_AUDIT_KUBECONFIG, DRYDOCK_AUDIT_CONTEXT,
// DRYDOCK_AUDIT_INVENTORY, DRYDOCK_AUDIT_POLICY.
func (c *Config) LoadEnv() error {
	str := map[string]*string{
		"DRYDOCK_ADDR": &c.Addr, "DRYDOCK_DATA": &c.DataDir, "DRYDOCK_DATABASE": &c.Database,
		"DRYDOCK_BLOBS": &c.BlobDir, "DRYDOCK_TLS_CERT": &c.TLSCert, "DRYDOCK_TLS_KEY": &c.TLSKey,
		"DRYDOCK_ADMIN_PASSWORD": &c.AdminPassword, "DRYDOCK_REALM": &c.Realm,
		"DRYDOCK_AUDIT_KUBECONFIG": &c.AuditKubeconfig, "DRYDOCK_AUDIT_CONTEXT": &c.AuditContext,
		"DRYDOCK_AUDIT_INVENTORY": &c.AuditInventory, "DRYDOCK_AUDIT_POLICY": &c.AuditPolicy,
	}
	for k, p := range str {
		if v, ok := os.LookupEnv(k); ok && v != "" {
			*p = v
		}
	}
	durations := map[string]*time.Duration{"DRYDOCK_RETENTION_EVERY": &c.RetentionEvery, "DRYDOCK_DB_UPDATE_EVERY": &c.DBUpdateEvery,
		"DRYDOCK_AUDIT_EVERY": &c.AuditEvery}
	for k, p := range durations {
		if v, ok := os.LookupEnv(k); ok && v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				return &ConfigError{Where: k, Err: fmt.Errorf("%q is not a duration such as 24h", v)}
			}
			*p = d
		}
	}
	for k, p := range map[string]*bool{"DRYDOCK_ANONYMOUS": &c.Anonymous, "DRYDOCK_READ_ONLY": &c.ReadOnly, "DRYDOCK_SPARSE_MANIFESTS": &c.SparseManifests} {
		if v, ok := os.LookupEnv(k); ok && v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return &ConfigError{Where: k, Err: fmt.Errorf("%q is not a boolean", v)}
			}
			*p = b
		}
	}
	return nil
}

// Defaults fills what is unset and checks the rest.
func (c *Config) Defaults() error {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:5000"
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return &ConfigError{Where: "address " + c.Addr, Err: err}
	}
	if c.DataDir == "" {
		c.DataDir = "drydock-data"
	}
	if c.Database == "" {
		c.Database = "sqlite:" + filepath.Join(c.DataDir, "drydock.db")
	}
	if c.BlobDir == "" {
		c.BlobDir = filepath.Join(c.DataDir, "blobs")
	}
	if c.Workers == 0 {
		c.Workers = 2
	}
	if c.VulnDB == "" {
		c.VulnDB = vulndb.DefaultPath()
	}
	if c.JobTimeout == 0 {
		c.JobTimeout = 10 * time.Minute
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return &ConfigError{Where: "TLS", Err: errors.New("needs both a certificate and a key")}
	}
	if c.Admission && c.TLSCert == "" {
		return &ConfigError{Where: "admission", Err: errors.New("the API server calls webhooks over HTTPS only: give --tls-cert and --tls-key (drydock admission manifests writes a pair)")}
	}
	if c.Admission && len(c.AdmissionRegistries) == 0 {
		c.AdmissionRegistries = []string{c.Addr}
	}
	if c.RetentionEvery < 0 || c.RetentionEvery > 0 && c.RetentionEvery < time.Second {
		return &ConfigError{Where: "retentionEvery", Err: fmt.Errorf("%s: at least 1s, or 0 for none", c.RetentionEvery)}
	}
	if c.DBUpdateEvery < 0 || c.DBUpdateEvery > 0 && c.DBUpdateEvery < time.Second {
		return &ConfigError{Where: "dbUpdateEvery", Err: fmt.Errorf("%s: at least 1s, or 0 for none", c.DBUpdateEvery)}
	}
	if c.DBUpdateURL != "" {
		if u, err := url.Parse(c.DBUpdateURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return &ConfigError{Where: "dbUpdateURL", Err: fmt.Errorf("%q is not an http or https URL", c.DBUpdateURL)}
		}
	}
	if err := c.checkAudit(); err != nil {
		return err
	}
	for _, e := range c.DBUpdateEcosystems {
		if !slices.Contains(vulndb.KnownEcosystems, e) {
			return &ConfigError{Where: "dbUpdateEcosystems", Err: fmt.Errorf("unknown ecosystem %q (known: %s)", e, strings.Join(vulndb.KnownEcosystems, ", "))}
		}
	}
	return nil
}

// Loopback reports whether Addr listens only on this machine.
func (c *Config) Loopback() bool {
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// PullRegistries are the host[:port] names workloads pull this registry's
// images by: AdmissionRegistries when set, else Addr. The audit (serve's
// and drydock audit's) tells the registry's own images by them.
func (c *Config) PullRegistries() []string {
	if len(c.AdmissionRegistries) > 0 {
		return c.AdmissionRegistries
	}
	return []string{c.Addr}
}

// Auditing reports whether serve audits what runs: a source is configured.
func (c *Config) Auditing() bool { return c.AuditKubeconfig != "" || c.AuditInventory != "" }

// checkAudit refuses a schedule without a source, and Kubernetes settings
// without a kubeconfig.
func (c *Config) checkAudit() error {
	if c.AuditEvery < 0 || c.AuditEvery > 0 && c.AuditEvery < time.Second {
		return &ConfigError{Where: "auditEvery", Err: fmt.Errorf("%s: at least 1s, or 0 for none", c.AuditEvery)}
	}
	if c.AuditEvery > 0 && !c.Auditing() {
		return &ConfigError{Where: "auditEvery", Err: errors.New("nothing to audit: set auditKubeconfig (a cluster) or auditInventory (a file listing what runs)")}
	}
	if c.AuditKubeconfig == "" && (c.AuditContext != "" || len(c.AuditNamespaces) > 0) {
		return &ConfigError{Where: "auditContext/auditNamespaces", Err: errors.New("name a cluster's context and namespaces: set auditKubeconfig too")}
	}
	return nil
}
