package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drydock/drydock/server"
	"github.com/drydock/drydock/sign"
)

// TestTrustVerbs: protect a namespace, trust a CI key, show it, remove it;
// mistakes are exit 2; the changes are in the audit log.
func TestTrustVerbs(t *testing.T) {
	dir := t.TempDir()
	data := servedData(t, server.Config{DataDir: filepath.Join(dir, "data")}).DataDir
	_, pub, err := sign.GenerateKeyPair(nil)
	if err != nil {
		t.Fatal(err)
	}
	pubPath, junk := filepath.Join(dir, "ci.pub"), filepath.Join(dir, "junk.pub")
	os.WriteFile(pubPath, pub, 0o644)
	os.WriteFile(junk, []byte("not a key"), 0o644)
	for _, c := range []struct {
		args     []string
		wantCode int
		want     string
	}{
		{[]string{"namespace", "create", "prod"}, 0, "created namespace prod"},
		{[]string{"trust", "protect", "prod"}, 0, "WARNING: no trusted key yet"},
		{[]string{"trust", "key", "add", "prod", "ci", "--key", pubPath}, 0, "namespace prod trusts key ci"},
		{[]string{"trust", "key", "add", "prod", "junk", "--key", junk}, 2, "load public key junk"},
		{[]string{"trust", "key", "add", "ghost", "ci", "--key", pubPath}, 2, "ghost"},
		{[]string{"trust", "protect", "prod", "--require-signature"}, 0, "require signature: true"},
		{[]string{"trust", "protect", "prod", "--source-repo", "https://git.example/a", "--source-repo", "https://git.example/b"}, 0,
			"source repos:      https://git.example/a, https://git.example/b"},
		{[]string{"trust", "protect", "prod", "--source-repo", "https://git.example/a b"}, 2, "white space"},
		{[]string{"trust", "protect", "prod", "--no-source-repos", "--source-repo", "https://git.example/a"}, 2, "one or the other"},
		{[]string{"trust", "status", "prod"}, 0, "source repos:      https://git.example/a, https://git.example/b"},
		{[]string{"audit-log", "--action", "namespace.source-repos"}, 0, "https://git.example/a"},
		{[]string{"trust", "status", "prod"}, 0, "protected:         true"},
		{[]string{"trust", "key", "remove", "prod", "ci"}, 0, "no longer trusts key ci"},
		{[]string{"trust", "key", "remove", "prod", "ci"}, 2, "not found"},
		{[]string{"trust", "protect", "prod", "--off"}, 0, "protected:         false"},
		{[]string{"trust", "protect", "prod", "--source-repo", ""}, 0, "protected:         true"},
		{[]string{"audit-log", "--action", "trust.key.add"}, 0, "prod"},
	} {
		out, errOut, code := runAccounts(t, "", append(c.args, "--data", data)...)
		if code != c.wantCode || !strings.Contains(out+errOut, c.want) {
			t.Errorf("%v: exit %d, output %q; want exit %d and %q", c.args, code, out+errOut, c.wantCode, c.want)
		}
	}
	if out, _, _ := runAccounts(t, "", "trust", "status", "prod", "--data", data); strings.Contains(out, "source repos") {
		t.Errorf("source repositories left after --source-repo '': %q", out)
	}
}
