package server_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drydock/drydock/server"
)

// TestAuditConfig: the scheduled audit's settings come from the file and
// DRYDOCK_AUDIT_*, and a schedule without a source, or Kubernetes settings
// without a kubeconfig, stop start-up naming what is missing.
func TestAuditConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "drydock.yaml")
	os.WriteFile(path, []byte("auditEvery: 24h\nauditKubeconfig: /etc/prod.kubeconfig\nauditContext: prod\nauditNamespaces: [shop, web]\n"), 0o600)
	var c server.Config
	if err := c.LoadFile(path); err != nil {
		t.Fatal(err)
	}
	if err := c.Defaults(); err != nil || c.AuditEvery != 24*time.Hour || c.AuditKubeconfig != "/etc/prod.kubeconfig" || c.AuditContext != "prod" ||
		strings.Join(c.AuditNamespaces, ",") != "shop,web" || !c.Auditing() {
		t.Fatalf("config = %+v, %v; want the four audit keys", c, err)
	}
	t.Setenv("DRYDOCK_AUDIT_EVERY", "1h")
	t.Setenv("DRYDOCK_AUDIT_INVENTORY", "/etc/production.yaml")
	if err := c.LoadEnv(); err != nil || c.AuditEvery != time.Hour || c.AuditInventory != "/etc/production.yaml" {
		t.Fatalf("DRYDOCK_AUDIT_EVERY=1h DRYDOCK_AUDIT_INVENTORY=…: %v, %s %q", err, c.AuditEvery, c.AuditInventory)
	}
	t.Setenv("DRYDOCK_AUDIT_EVERY", "weekly")
	if err := c.LoadEnv(); err == nil || !strings.Contains(err.Error(), "DRYDOCK_AUDIT_EVERY") {
		t.Fatalf("DRYDOCK_AUDIT_EVERY=weekly: %v, want an error naming it", err)
	}
	for _, bad := range []struct {
		c    server.Config
		want []string
	}{
		{server.Config{AuditEvery: time.Hour}, []string{"auditEvery", "auditKubeconfig", "auditInventory"}},
		{server.Config{AuditEvery: time.Millisecond, AuditInventory: "x.yaml"}, []string{"auditEvery", "at least 1s"}},
		{server.Config{AuditContext: "prod", AuditInventory: "x.yaml"}, []string{"auditContext", "auditKubeconfig"}},
		{server.Config{AuditNamespaces: []string{"web"}}, []string{"auditNamespaces", "auditKubeconfig"}},
	} {
		err := bad.c.Defaults()
		var ce *server.ConfigError
		if !errors.As(err, &ce) || !ce.InvalidInput() {
			t.Errorf("Defaults(%+v) = %v, want a *ConfigError", bad.c, err)
			continue
		}
		for _, w := range bad.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Defaults(%+v) = %v, want it to name %s", bad.c, err, w)
			}
		}
	}
	t.Setenv("DRYDOCK_AUDIT_EVERY", "")
	t.Setenv("DRYDOCK_AUDIT_POLICY", "/etc/audit-policy.yaml")
	if err := c.LoadEnv(); err != nil || c.AuditPolicy != "/etc/audit-policy.yaml" {
		t.Fatalf("DRYDOCK_AUDIT_POLICY=/etc/audit-policy.yaml: %v, auditPolicy %q", err, c.AuditPolicy)
	}
	if c := (server.Config{AuditInventory: "x.yaml"}); c.Defaults() != nil || !c.Auditing() {
		t.Errorf("an inventory without a schedule (audits after database updates only) was refused")
	}
}
