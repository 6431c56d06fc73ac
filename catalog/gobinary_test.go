package catalog

import (
	"debug/buildinfo"
	"runtime/debug"
	"testing"
)

func TestGoMainVersion(t *testing.T) {
	const rev = "383b2e75a7a4198c42f8f87833eefb772868a56f"
	tests := []struct {
		name     string
		version  string
		settings map[string]string
		want     string
	}{
		{"stamped by the toolchain", "v1.4.2", nil, "v1.4.2"},
		{"devel with VCS data", devel, map[string]string{"vcs.revision": rev, "vcs.time": "2021-08-10T16:24:36Z", "vcs.modified": "false"}, "v0.0.0-20210810162436-383b2e75a7a4"},
		{"devel from a modified checkout", devel, map[string]string{"vcs.revision": rev, "vcs.time": "2021-08-10T18:24:36+02:00", "vcs.modified": "true"}, "v0.0.0-20210810162436-383b2e75a7a4+dirty"},
		{"devel without VCS data", devel, nil, ""},
		{"devel with a short revision", devel, map[string]string{"vcs.revision": "383b2e7", "vcs.time": "2021-08-10T16:24:36Z"}, ""},
		{"devel with a bad time", devel, map[string]string{"vcs.revision": rev, "vcs.time": "yesterday"}, ""},
	}
	for _, tt := range tests {
		bi := &buildinfo.BuildInfo{Main: debug.Module{Path: "example.com/app", Version: tt.version}}
		for k, v := range tt.settings {
			bi.Settings = append(bi.Settings, debug.BuildSetting{Key: k, Value: v})
		}
		if got := mainVersion(bi); got != tt.want {
			t.Errorf("%s: mainVersion = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestGoPURL(t *testing.T) {
	tests := []struct{ module, version, want string }{
		{"golang.org/x/text", "v0.3.7", "pkg:golang/golang.org/x/text@v0.3.7"},
		{"stdlib", "1.19.8", "pkg:golang/stdlib@1.19.8"},
		{"example.com/app", "", "pkg:golang/example.com/app"},
		{"github.com/a/b/v2", "v2.0.0-20210810162436-383b2e75a7a4", "pkg:golang/github.com/a/b/v2@v2.0.0-20210810162436-383b2e75a7a4"},
	}
	for _, tt := range tests {
		if got := goPURL(tt.module, tt.version); got != tt.want {
			t.Errorf("goPURL(%q, %q) = %q, want %q", tt.module, tt.version, got, tt.want)
		}
	}
}
