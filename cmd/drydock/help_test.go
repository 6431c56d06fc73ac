package main

import (
	"strings"
	"testing"
	"unicode/utf8"
)

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
