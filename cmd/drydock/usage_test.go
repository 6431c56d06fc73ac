package main

import (
	"strings"
	"testing"
)

// TestMistypedSubcommandExits2: a CI step with a typo must fail, and say
// what was meant.
func TestMistypedSubcommandExits2(t *testing.T) {
	tests := []struct {
		args    []string
		code    int
		wantErr []string
	}{
		{[]string{"db", "imprt"}, exitUsage, []string{`unknown command "imprt" for "drydock db"`, "did you mean import?"}},
		{[]string{"namespace", "creat", "team"}, exitUsage, []string{`"creat"`, "did you mean create?"}},
		{[]string{"user", "ad", "alice"}, exitUsage, []string{"did you mean add?"}},
		{[]string{"member", "frobnicate"}, exitUsage, []string{`unknown command "frobnicate"`, "drydock member --help"}},
		{[]string{"robt"}, exitUsage, []string{`unknown command "robt"`}},
		{[]string{"db"}, exitPass, nil},
	}
	for _, tt := range tests {
		out, errOut, code := runAccounts(t, "", tt.args...)
		if code != tt.code {
			t.Errorf("drydock %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(tt.args, " "), code, tt.code, out, errOut)
		}
		for _, w := range tt.wantErr {
			if !strings.Contains(errOut, w) {
				t.Errorf("drydock %s: stderr %q lacks %q", strings.Join(tt.args, " "), errOut, w)
			}
		}
	}
}
