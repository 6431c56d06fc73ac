package main

import (
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/drydock/drydock/server"
)

func init() { addCommand(newServeCmd) }

// serveFlags declares serve's configuration flags. A new setting is a field
// in server.Config (with its yaml key, and a DRYDOCK_* variable in LoadEnv
// where it has one), a line here and a row in the README's table.
func serveFlags(f *pflag.FlagSet, c *server.Config) {
	blobFlags(f, c)
	f.StringVar(&c.Addr, "addr", "127.0.0.1:5000", "listen address")
	f.StringVar(&c.TLSCert, "tls-cert", "", "TLS certificate file")
	f.StringVar(&c.TLSKey, "tls-key", "", "TLS key file")
	f.BoolVar(&c.Anonymous, "anonymous", false, "no authentication: anyone may push and delete\n(local testing only)")
	f.BoolVar(&c.ReadOnly, "read-only", false, "refuse pushes and deletes")
	f.BoolVar(&c.SparseManifests, "sparse-manifests", false, "accept image manifests whose layers were not pushed\n(partial mirrors)")
	f.StringVar(&c.Realm, "realm", "", "token endpoint URL in challenges (behind a proxy)")
	f.DurationVar(&c.RetentionEvery, "retention-every", 0, "apply the retention rules on this schedule, e.g. 24h\n(default: never; see drydock retention)")
	workerFlags(f, c)
	f.DurationVar(&c.DBUpdateEvery, "db-update-every", 0, "update the vulnerability database from the OSV export on this\nschedule, e.g. 6h, then rematch stored images (default: never)")
	f.StringVar(&c.DBUpdateURL, "db-update-url", "", "OSV export or mirror URL for --db-update-every\n(default $DRYDOCK_OSV_URL or the public OSV export)")
	f.StringSliceVar(&c.DBUpdateEcosystems, "db-update-ecosystem", nil, "OSV ecosystem for --db-update-every (repeatable;\ndefault as for drydock db update)")
	f.BoolVar(&c.Admission, "admission", false, "serve the Kubernetes admission webhooks /admission/validate\nand /admission/mutate (needs --tls-cert; see drydock admission manifests)")
	f.StringSliceVar(&c.AdmissionRegistries, "admission-registry", nil, "host[:port] the cluster pulls drydock's images by; other\nregistries are refused (repeatable; default: --addr)")
	f.StringSliceVar(&c.AdmissionAudit, "admission-audit", nil, "Kubernetes namespaces admitted with warnings instead of refused\n(repeatable; * for all)")
	f.DurationVar(&c.AdmissionTimeout, "admission-timeout", 0, "time one admission review may take, scans on demand included;\nbelow the webhook's timeoutSeconds (default 8s)")
	f.DurationVar(&c.AuditEvery, "audit-every", 0, "audit what runs in production on this schedule, e.g. 24h, as\ndrydock audit does (default: only after a database update;\nneeds --audit-kubeconfig or --audit-inventory)")
	f.StringVar(&c.AuditKubeconfig, "audit-kubeconfig", "", "kubeconfig of the cluster to audit")
	f.StringVar(&c.AuditContext, "audit-context", "", "its context (default: the kubeconfig's current context)")
	f.StringSliceVar(&c.AuditNamespaces, "audit-namespace", nil, "Kubernetes namespace to audit (repeatable; default all)")
	f.StringVar(&c.AuditInventory, "audit-inventory", "", "inventory file listing what runs, read at every audit\n(see docs/audit.md)")
	f.StringVar(&c.AuditPolicy, "audit-policy", "", "policy file whose thresholds (maxAge) the audit applies to images pulled from elsewhere (this registry's images: their namespace's)")
}

func newServeCmd() *cobra.Command {
	cf := &configFlags{bind: serveFlags}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the private registry (/v2/, /token, /api/v1/, /metrics, /healthz, /admission/)",
		Long: `Run the private registry. Defaults: 127.0.0.1:5000, ./drydock-data with
SQLite at drydock-data/drydock.db and blobs under drydock-data/blobs.
serve creates the data directory and the database (drydock audit does too,
for its own state; no other verb does).

Configuration comes from --config FILE, then DRYDOCK_* variables, then
flags; a later source wins. Config file keys:
  ` + strings.Join(server.ConfigKeys(), ", ") + `
Environment: DRYDOCK_ADDR, DRYDOCK_DATA, DRYDOCK_DATABASE, DRYDOCK_BLOBS,
DRYDOCK_TLS_CERT, DRYDOCK_TLS_KEY, DRYDOCK_ANONYMOUS, DRYDOCK_READ_ONLY,
DRYDOCK_SPARSE_MANIFESTS, DRYDOCK_REALM, DRYDOCK_RETENTION_EVERY,
DRYDOCK_DB_UPDATE_EVERY, DRYDOCK_AUDIT_EVERY, DRYDOCK_AUDIT_KUBECONFIG,
DRYDOCK_AUDIT_CONTEXT, DRYDOCK_AUDIT_INVENTORY, DRYDOCK_AUDIT_POLICY, and
DRYDOCK_ADMIN_PASSWORD (the first administrator's password; without it one
is generated and printed once).

Start-up checks the configuration, reads the TLS files and binds the port
before it opens the data; the first administrator is created last.`,
		Example: `  drydock serve
  drydock serve --addr 0.0.0.0:5443 --tls-cert cert.pem --tls-key key.pem
  drydock serve --config /etc/drydock.yaml --read-only
  drydock serve --db-update-every 6h --db-update-ecosystem Debian
  drydock serve --audit-every 24h --audit-kubeconfig prod.kubeconfig
  drydock serve --addr 0.0.0.0:8443 --tls-cert tls.crt --tls-key tls.key \
      --admission --admission-registry drydock.example:8443
  DRYDOCK_DATABASE=postgres://db/drydock drydock serve --blobs /srv/blobs`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := cf.resolve(cmd)
			if err != nil {
				return err
			}
			ln, err := server.Listen(cfg)
			if err != nil {
				return err
			}
			defer ln.Close()
			ctx := cmd.Context()
			logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
			srv, err := server.New(ctx, cfg, logger, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer srv.Close()
			return srv.ServeListener(ctx, ln, cmd.ErrOrStderr(), nil)
		},
	}
	cf.add(cmd, false)
	return cmd
}
