package main

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/spf13/cobra"
)

// ownedVerbs are the verbs whose help this test holds to the house rules.
var helpedVerbs = []string{"namespace", "user", "member", "robot", "audit-log", "db", "serve", "gc", "version"}

// TestHelpFitsAndShowsExamples: every command's --help fits 80 columns and
// has an Examples section.
func TestHelpFitsAndShowsExamples(t *testing.T) {
	root := newRoot()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		var out bytes.Buffer
		c.SetOut(&out)
		if err := c.Help(); err != nil {
			t.Fatalf("%s --help: %v", c.CommandPath(), err)
		}
		help := out.String()
		for _, line := range strings.Split(help, "\n") {
			if n := len([]rune(line)); n > 80 {
				t.Errorf("%s --help: a line of %d columns:\n%s", c.CommandPath(), n, line)
			}
		}
		if !strings.Contains(help, "\nExamples:\n") {
			t.Errorf("%s --help has no Examples section", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() {
				walk(sub)
			}
		}
	}
	for _, name := range helpedVerbs {
		c, _, err := root.Find([]string{name})
		if err != nil || c.Name() != name {
			t.Fatalf("no verb %s: %v", name, err)
		}
		walk(c)
	}
	member, _, _ := root.Find([]string{"member", "add"})
	var out bytes.Buffer
	member.SetOut(&out)
	member.Help()
	for _, role := range []string{"reader", "writer", "maintainer", "admin"} {
		if !strings.Contains(out.String(), role) {
			t.Errorf("member add --help does not name the role %s:\n%s", role, out.String())
		}
	}
}

// TestArgumentErrorsShowUsage: a wrong argument count or an unknown flag
// prints the verb's usage line.
func TestArgumentErrorsShowUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"member", "add", "team", "alice"}, "usage: drydock member add NAMESPACE USER ROLE"},
		{[]string{"user", "add"}, "usage: drydock user add NAME"},
		{[]string{"gc", "extra"}, "usage: drydock gc"},
		{[]string{"namespace", "list", "--bogus"}, "usage: drydock namespace list"},
	} {
		_, errOut, code := runAccounts(t, "", tt.args...)
		if code != exitUsage || !strings.Contains(errOut, tt.want) {
			t.Errorf("drydock %s: exit %d, stderr %q; want 2 and %q", strings.Join(tt.args, " "), code, errOut, tt.want)
		}
	}
}

// TestHelpFits: the verbs a newcomer meets first have an Examples section
// and help lines of at most 80 columns.
func TestHelpFits(t *testing.T) {
	for _, verb := range []string{"scan", "sbom", "login", "logout"} {
		out, stderr, code := runDrydock(t, verb, "--help")
		if code != exitPass || !strings.Contains(out, "\nExamples:\n  drydock "+verb+" ") {
			t.Errorf("drydock %s --help: exit %d (%s), no Examples section:\n%s", verb, code, stderr, out)
		}
		for _, line := range strings.Split(out, "\n") {
			if n := utf8.RuneCountInString(line); n > helpWidth {
				t.Errorf("drydock %s --help: a line of %d columns: %q", verb, n, line)
			}
		}
	}
}
