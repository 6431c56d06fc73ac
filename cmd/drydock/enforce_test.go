package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drydock/drydock/server"
)

// TestEnforcementVerbs sets a namespace up to quarantine, as an operator
// would, and checks the bad inputs are usage errors naming what is wrong.
func TestEnforcementVerbs(t *testing.T) {
	dir := t.TempDir()
	data := servedData(t, server.Config{DataDir: filepath.Join(dir, "data")}).DataDir
	good := filepath.Join(dir, "policy.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	vex := filepath.Join(dir, "vex.yaml")
	for path, body := range map[string]string{
		good: "apiVersion: drydock/v1\nkind: Policy\nname: prod\nseverity: {failOn: high}\n",
		bad:  "apiVersion: drydock/v1\nkind: Policy\nseverity: {failOn: hihg}\n",
		vex:  "apiVersion: drydock/v1\nkind: Policy\nvex: [/etc/passwd]\n",
	} {
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		args     []string
		wantCode int
		want     []string
	}{
		{[]string{"namespace", "create", "prod", "--enforce", "--policy", good}, 0, []string{"created namespace prod", "enforce:  true", "policy:   prod sha256:"}},
		{[]string{"namespace", "policy", "prod"}, 0, []string{"enforce:  true", "severity: {failOn: high}"}},
		{[]string{"namespace", "policy", "prod", bad}, 2, []string{"hihg"}},
		{[]string{"namespace", "policy", "prod", vex}, 2, []string{"cannot name VEX files"}},
		{[]string{"namespace", "policy", "prod", filepath.Join(dir, "missing.yaml")}, 2, []string{"missing.yaml"}},
		{[]string{"namespace", "policy", "ghost", good}, 2, []string{"ghost"}},
		{[]string{"namespace", "enforce", "prod", "maybe"}, 2, []string{`"maybe" is not true or false`}},
		{[]string{"namespace", "enforce", "prod", "false"}, 0, []string{"enforce:  false", "policy:   prod sha256:"}},
		{[]string{"namespace", "create", "dev"}, 0, []string{"created namespace dev"}},
		{[]string{"namespace", "policy", "dev"}, 0, []string{"enforce:  false", "policy:   none"}},
		{[]string{"robot", "create", "forensics", "--namespace", "prod"}, 0, []string{"robot$prod+forensics"}},
		{[]string{"robot", "bypass-quarantine", "grant", "robot$prod+forensics"}, 0, []string{"granted bypass-quarantine to robot$prod+forensics"}},
		{[]string{"robot", "bypass-quarantine", "grant", "alice"}, 2, []string{"robots only"}},
		{[]string{"robot", "bypass-quarantine", "list"}, 0, []string{"robot$prod+forensics"}},
		{[]string{"robot", "bypass-quarantine", "revoke", "robot$prod+forensics"}, 0, []string{"revoked"}},
		{[]string{"robot", "bypass-quarantine", "revoke", "robot$prod+forensics"}, 2, []string{"not found"}},
		{[]string{"audit-log", "--action", "namespace.enforcement"}, 0, []string{"enforce true", "enforce false"}},
	} {
		out, errOut, code := runAccounts(t, "", append(c.args, "--data", data)...)
		text := out
		if c.wantCode != 0 {
			text = errOut
		}
		if code != c.wantCode {
			t.Errorf("%v: exit %d, want %d\nstdout: %s\nstderr: %s", c.args, code, c.wantCode, out, errOut)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(text, w) {
				t.Errorf("%v: output does not say %q:\n%s", c.args, w, text)
			}
		}
	}
}
