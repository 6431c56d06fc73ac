package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/drydock/drydock/server"
)

// runAccounts runs drydock with args and stdin; it returns stdout, stderr
// and the exit code.
func runAccounts(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	root := newRoot()
	var out, errOut bytes.Buffer
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	if err != nil {
		errOut.WriteString(err.Error())
	}
	return out.String(), errOut.String(), exitCode(err)
}

// TestAccountVerbs runs the account verbs in order on one data directory,
// the way an operator sets up a registry.
func TestAccountVerbs(t *testing.T) {
	data := servedData(t, server.Config{}).DataDir
	tests := []struct {
		stdin    string
		args     []string
		wantCode int
		wantOut  []string // substrings of stdout (stderr for failures)
	}{
		{"", []string{"namespace", "create", "team"}, 0, []string{"created namespace team (public: false)"}},
		{"", []string{"namespace", "create", "pub", "--public"}, 0, []string{"public: true"}},
		{"", []string{"namespace", "create", "Bad/Name"}, 2, []string{"invalid namespace name"}},
		{"a long enough password\n", []string{"user", "add", "alice", "--password-stdin"}, 0, []string{"created user alice"}},
		{"short\n", []string{"user", "add", "carol", "--password-stdin"}, 2, []string{"password too short"}},
		{"", []string{"user", "add", "bob", "--admin"}, 0, []string{"created user bob", "password: ", "shown only now"}},
		{"", []string{"user", "add", "alice"}, 2, []string{"already exists"}},
		{"", []string{"member", "add", "team", "alice", "maintainer"}, 0, []string{"alice is maintainer in team"}},
		{"", []string{"member", "add", "team", "alice", "boss"}, 2, []string{`unknown role "boss"`}},
		{"", []string{"member", "add", "team", "ghost", "reader"}, 2, []string{"not found"}},
		{"", []string{"member", "list", "team"}, 0, []string{"alice", "maintainer"}},
		{"", []string{"robot", "create", "ci", "--namespace", "team", "--role", "writer", "--expires", "90d"}, 0,
			[]string{"robot$team+ci", "writer in team", "secret:  ", "shown only now"}},
		{"", []string{"robot", "create", "ci2", "--namespace", "team", "--expires", "5x"}, 2, []string{"--expires"}},
		{"", []string{"robot", "create", "ci3"}, 2, []string{"--namespace is required"}},
		{"", []string{"robot", "list"}, 0, []string{"robot$team+ci", "writer"}},
		{"", []string{"user", "list"}, 0, []string{"alice", "bob", "true"}},
		{"", []string{"user", "list", "--format", "yaml"}, 2, []string{"--format"}},
		{"", []string{"user", "disable", "alice"}, 0, []string{"disabled user alice"}},
		{"", []string{"user", "revoke-tokens", "robot$team+ci"}, 0, []string{"revoked the tokens of robot$team+ci"}},
		{"", []string{"user", "revoke-tokens", "ghost"}, 2, []string{"not found"}},
		{"", []string{"namespace", "list"}, 0, []string{"pub", "team"}},
		{"", []string{"audit-log", "--since", "1h"}, 0, []string{"namespace.create", "user.create", "member.put", "robot.create", "user.disable", "token.revoke-all"}},
		{"", []string{"audit-log", "--since", "-1h"}, 2, []string{"--since"}},
		{"", []string{"audit-log", "--format", "xml"}, 2, []string{"--format"}},
		{"", []string{"user", "delete", "ghost"}, 2, []string{"not found"}},
	}
	for _, tt := range tests {
		args := append(append([]string{}, tt.args...), "--data", data)
		out, errOut, code := runAccounts(t, tt.stdin, args...)
		if code != tt.wantCode {
			t.Errorf("drydock %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(tt.args, " "), code, tt.wantCode, out, errOut)
			continue
		}
		text := out
		if code != 0 {
			text = errOut
		}
		for _, want := range tt.wantOut {
			if !strings.Contains(text, want) {
				t.Errorf("drydock %s: output lacks %q:\n%s", strings.Join(tt.args, " "), want, text)
			}
		}
	}

	// The JSON audit log: one event per line, filtered by actor and repo.
	out, _, code := runAccounts(t, "", "audit-log", "--format", "json", "--action", "member.put", "--data", data)
	if code != 0 {
		t.Fatalf("audit-log --format json: exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1 {
		t.Fatalf("audit-log --action member.put: %d lines, want 1:\n%s", len(lines), out)
	}
	var e map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &e); err != nil {
		t.Fatal(err)
	}
	if e["action"] != "member.put" || e["target"] != "alice" || e["repo"] != "team" || e["reason"] != "role maintainer" {
		t.Errorf("member.put event = %v, want target alice, repo team, reason role maintainer", e)
	}
}
