package main

import (
	"testing"

	"github.com/drydock/drydock/internal/build"
)

func TestVersionFlagAndVerbAgree(t *testing.T) {
	want := "drydock " + build.Version() + "\n"
	for _, args := range [][]string{{"--version"}, {"version"}} {
		out, errOut, code := runAccounts(t, "", args...)
		if code != 0 || out != want {
			t.Errorf("drydock %s = %q (exit %d, %s), want %q", args[0], out, code, errOut, want)
		}
	}
}
