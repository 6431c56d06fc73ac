package build

import (
	"runtime/debug"
	"testing"
)

func TestVersion(t *testing.T) {
	defer func(v string) { version = v }(version)
	version = "v1.4.2"
	if got := Version(); got != "v1.4.2" {
		t.Errorf("stamped Version() = %q, want v1.4.2", got)
	}
	version = ""
	if got := Version(); got == "" {
		t.Error("unstamped Version() is empty")
	}
	tests := []struct {
		name string
		bi   debug.BuildInfo
		want string
	}{
		{"go install", debug.BuildInfo{Main: debug.Module{Version: "v1.3.0"}}, "v1.3.0"},
		{"no VCS", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "devel"},
		{"clean checkout", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "2aadae7f0c1b2d3e4f5a6b7c8d9e0f1a2b3c4d5e"}, {Key: "vcs.modified", Value: "false"}}}, "devel-2aadae7f0c1b"},
		{"dirty checkout", debug.BuildInfo{Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "2aadae7f0c1b2d3e"}, {Key: "vcs.modified", Value: "true"}}}, "devel-2aadae7f0c1b-dirty"},
	}
	for _, tt := range tests {
		if got := fromBuildInfo(&tt.bi); got != tt.want {
			t.Errorf("%s: fromBuildInfo = %q, want %q", tt.name, got, tt.want)
		}
	}
}
