// Package build names the drydock build that is running, so that reports,
// SBOMs and the audit log say which build decided. The scripts stamp the
// version at link time:
//
//	go build -ldflags "-X github.com/drydock/drydock/internal/build.version=v1.2.0" ./cmd/drydock
//
// (scripts/build.sh does this with `git describe`). Without a stamp it
// falls back to the Go build information.
package build

import (
	"runtime/debug"
	"sync"
)

// version is set with -ldflags -X; empty when the build was not stamped.
var version string

// Version is the stamped version; else the module version of a `go
// install`ed binary; else "devel" with the VCS revision (and "-dirty" for
// uncommitted changes) when Go recorded one; else "devel".
func Version() string {
	if version != "" {
		return version
	}
	return unstamped()
}

// unstamped is read from the build information once: the audit log asks
// for the version with every event it stores.
var unstamped = sync.OnceValue(func() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	return fromBuildInfo(bi)
})

func fromBuildInfo(bi *debug.BuildInfo) string {
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch {
		case s.Key == "vcs.revision" && len(s.Value) >= 12:
			rev = s.Value[:12]
		case s.Key == "vcs.revision":
			rev = s.Value
		case s.Key == "vcs.modified" && s.Value == "true":
			dirty = "-dirty"
		}
	}
	if rev == "" {
		return "devel"
	}
	return "devel-" + rev + dirty
}
