package main

import (
	"strings"
	"testing"

	"github.com/drydock/drydock/server"
)

// TestRegistryRuleVerbs runs the immutable-tags, retention and webhook
// verbs in order on one data directory.
func TestRegistryRuleVerbs(t *testing.T) {
	data := servedData(t, server.Config{}).DataDir
	tests := []struct {
		stdin    string
		args     []string
		wantCode int
		wantOut  []string // substrings of stdout (stderr for failures)
	}{
		{"", []string{"namespace", "create", "prod", "--immutable-tags"}, 0, []string{"created namespace prod", `tags "*" of namespace prod are immutable`}},
		{"", []string{"namespace", "create", "rel", "--immutable-tags=release-*"}, 0, []string{`tags "release-*" of namespace rel`}},
		{"", []string{"immutable-tags", "add", "rel", "v*"}, 0, []string{`tags "v*" of namespace rel are immutable`}},
		{"", []string{"immutable-tags", "add", "rel", "v*"}, 2, []string{"already exists"}},
		{"", []string{"immutable-tags", "add", "rel", "v/1"}, 2, []string{`tag pattern "v/1"`}},
		{"", []string{"immutable-tags", "list", "rel"}, 0, []string{"release-*", "v*"}},
		{"", []string{"immutable-tags", "remove", "rel", "nope"}, 2, []string{"not found"}},
		{"", []string{"immutable-tags", "remove", "rel", "v*"}, 0, []string{`removed rule "v*"`}},
		{"", []string{"retention", "set", "team", "--keep-last", "5", "--keep-days", "30"}, 0, []string{"retention for team: keep last 5, used within 30 days"}},
		{"", []string{"retention", "set", "team"}, 2, []string{"keep the last N tags"}},
		{"", []string{"retention", "set", "Team/App", "--keep-last", "1"}, 2, []string{"namespace"}},
		{"", []string{"retention", "list"}, 0, []string{"team", "5", "30"}},
		{"", []string{"retention"}, 0, []string{"would delete 0 tags in 0 repositories"}},
		{"", []string{"retention", "remove", "team"}, 0, []string{"removed retention rule for team"}},
		{"", []string{"retention", "remove", "team"}, 2, []string{"not found"}},
		{"", []string{"webhook", "add", "team", "http://127.0.0.1:9/hook", "--events", "push,pull.denied"}, 0,
			[]string{"webhook 1: team events pull.denied,push to http://127.0.0.1:9/hook", "secret: ", "shown only now"}},
		{"a secret of enough length\n", []string{"webhook", "add", "team", "https://hooks.example/in", "--secret-stdin"}, 0, []string{"webhook 2"}},
		{"", []string{"webhook", "add", "team", "ftp://x/y"}, 2, []string{"want http:// or https://"}},
		{"", []string{"webhook", "add", "team", "https://x/y", "--events", "tag.moved"}, 2, []string{`event type "tag.moved"`}},
		{"", []string{"webhook", "list", "team"}, 0, []string{"http://127.0.0.1:9/hook", "https://hooks.example/in"}},
		{"", []string{"webhook", "deliveries", "1"}, 0, []string{"STATE"}},
		{"", []string{"webhook", "deliveries", "99"}, 2, []string{"not found"}},
		{"", []string{"webhook", "remove", "x"}, 2, []string{"webhook id"}},
		{"", []string{"webhook", "remove", "1"}, 0, []string{"removed webhook 1"}},
		{"", []string{"audit-log", "--since", "1h"}, 0, []string{"tag-rule.add", "tag-rule.remove", "retention.set", "retention.remove", "webhook.add", "webhook.remove"}},
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
}
