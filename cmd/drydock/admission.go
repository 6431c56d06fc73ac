package main

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/drydock/drydock/admission"
)

func init() { addCommand(newAdmissionCmd) }

func newAdmissionCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "admission", Short: "Kubernetes admission control: webhook configuration and certificate"}
	var o admission.ManifestOptions
	var certFile, keyFile, caFile, certDir string
	var validity time.Duration
	m := &cobra.Command{
		Use:   "manifests",
		Short: "Write the Mutating and ValidatingWebhookConfiguration for drydock serve --admission",
		Long: `Write the MutatingWebhookConfiguration (pins tags to digests) and the
ValidatingWebhookConfiguration (refuses what the policy refuses) to standard
output, for kubectl apply -f.

The serving certificate is generated (a CA and a certificate for --url's
host, written into --cert-dir as admission-ca.pem, admission-tls.crt and
admission-tls.key; give the last two to drydock serve --tls-cert/--tls-key),
or given with --cert and --key (the CA bundle is --ca, or the certificate
itself when it is self-signed).

The system namespaces (kube-system, kube-public, kube-node-lease) are
excluded unless --include-system-namespaces. The failure policy is Fail by
default: while drydock cannot answer, nothing new starts in the selected
namespaces (safe, but drydock becomes part of the cluster's availability);
Ignore lets everything start unchecked while drydock is down.`,
		Example: `  drydock admission manifests --url https://drydock.example:8443 > webhook.yaml
  drydock admission manifests --url https://drydock.example:8443 --namespace-selector env=prod \
      --cert tls.crt --key tls.key --ca ca.pem > webhook.yaml`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.URL == "" {
				return usageError{errors.New("--url is required: drydock's https URL as the API server reaches it")}
			}
			if (certFile == "") != (keyFile == "") {
				return usageError{errors.New("--cert and --key go together")}
			}
			if certFile == "" {
				u, err := url.Parse(o.URL)
				if err != nil {
					return usageError{fmt.Errorf("--url %q: %v", o.URL, err)}
				}
				c, err := admission.GenerateCertificate(u.Hostname(), validity)
				if err != nil {
					return err
				}
				if err := writeCert(certDir, c); err != nil {
					return err
				}
				o.CABundle = c.CA
				fmt.Fprintf(cmd.ErrOrStderr(), "serving certificate for %s written to %s (admission-tls.crt, admission-tls.key; CA admission-ca.pem)\n", u.Hostname(), certDir)
			} else {
				if _, err := os.Stat(keyFile); err != nil {
					return usageError{fmt.Errorf("--key: %w", err)}
				}
				if caFile == "" {
					caFile = certFile
				}
				b, err := os.ReadFile(caFile)
				if err != nil {
					return usageError{fmt.Errorf("CA bundle: %w", err)}
				}
				o.CABundle = b
			}
			y, err := admission.Manifests(o)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(y)
			return err
		},
	}
	f := m.Flags()
	f.StringVar(&o.URL, "url", "", "drydock's https URL as the API server reaches it")
	f.StringVar(&o.NamespaceSelector, "namespace-selector", "", "label selector namespaces must match, e.g. env=prod")
	f.BoolVar(&o.IncludeSystem, "include-system-namespaces", false, "also judge kube-system, kube-public and kube-node-lease")
	f.StringVar(&o.FailurePolicy, "failure-policy", "Fail", "Fail (nothing starts while drydock cannot answer) or Ignore")
	f.Int32Var(&o.TimeoutSeconds, "timeout", 10, "seconds the API server waits for drydock (1-30; keep\ndrydock serve --admission-timeout below it)")
	f.StringVar(&o.Name, "name", "drydock", "prefix of the configurations' names")
	f.StringVar(&certFile, "cert", "", "serving certificate (PEM) instead of a generated one")
	f.StringVar(&keyFile, "key", "", "its private key")
	f.StringVar(&caFile, "ca", "", "CA bundle for --cert (default: --cert itself)")
	f.StringVar(&certDir, "cert-dir", ".", "folder to write a generated certificate into")
	f.DurationVar(&validity, "validity", 365*24*time.Hour, "validity of a generated certificate")
	cmd.AddCommand(m)
	return cmd
}

// writeCert writes c into dir; the key is readable by its owner only.
func writeCert(dir string, c *admission.Certificate) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return usageError{err}
	}
	for name, b := range map[string][]byte{"admission-ca.pem": c.CA, "admission-tls.crt": c.Cert} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return usageError{err}
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "admission-tls.key"), c.Key, 0o600); err != nil {
		return usageError{err}
	}
	return nil
}
