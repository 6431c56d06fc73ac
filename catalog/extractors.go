package catalog

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	cpb "github.com/google/osv-scalibr/binary/proto/config_go_proto"
	"github.com/google/osv-scalibr/extractor/filesystem"
	"github.com/google/osv-scalibr/extractor/filesystem/language/dotnet/depsjson"
	javaarchive "github.com/google/osv-scalibr/extractor/filesystem/language/java/archive"
	"github.com/google/osv-scalibr/extractor/filesystem/language/javascript/packagejson"
	"github.com/google/osv-scalibr/extractor/filesystem/language/javascript/packagelockjson"
	"github.com/google/osv-scalibr/extractor/filesystem/language/php/composerlock"
	"github.com/google/osv-scalibr/extractor/filesystem/language/python/wheelegg"
	"github.com/google/osv-scalibr/extractor/filesystem/language/ruby/gemspec"
	"github.com/google/osv-scalibr/extractor/filesystem/language/rust/cargoauditable"
	"github.com/google/osv-scalibr/extractor/filesystem/os/apk"
	"github.com/google/osv-scalibr/extractor/filesystem/os/dpkg"
	"github.com/google/osv-scalibr/extractor/filesystem/os/rpm"
	scalibrlog "github.com/google/osv-scalibr/log"
)

// javaMaxOpenedBytes bounds what one Java archive may unpack, nested
// archives included.
const javaMaxOpenedBytes = 256 << 20

// kind says how an extractor wants its input, beyond a reader.
type kind int

const (
	kindText       kind = iota // a small text or JSON file, read into memory
	kindExecutable             // a binary worth reading only when its magic says it is one
	kindOnDisk                 // a database its library opens by file name (rpm)
)

// plugin is one extractor and what it needs.
type plugin struct {
	ex   filesystem.Extractor
	kind kind
}

// constructors are the scalibr extractors drydock runs, in a fixed order so
// that a layer's result does not depend on map iteration. Only these
// packages are imported: plugin/list would bring in every plugin scalibr has.
var constructors = []struct {
	new  func(*cpb.PluginConfig) (filesystem.Extractor, error)
	kind kind
}{
	{dpkg.New, kindText},
	{apk.New, kindText},
	{rpm.New, kindOnDisk},
	{cargoauditable.New, kindExecutable},
	{packagelockjson.New, kindText},
	{packagejson.New, kindText},
	{wheelegg.New, kindText},
	{javaarchive.New, kindText},
	{gemspec.New, kindText},
	{composerlock.New, kindText},
	{depsjson.New, kindText},
}

// newPlugins builds the extractors. Their own size limits are lifted
// (zero means none) because the layer scanner applies drydock's, and says
// so in a warning where an extractor would silently pass the file by.
// Nested archives are read into memory by the Java extractor, so what it
// may open in all is bounded well below its own default of 4 GiB: a zip
// bomb costs a warning, not the process.
func newPlugins() ([]plugin, error) {
	cfg := &cpb.PluginConfig{PluginSpecific: []*cpb.PluginSpecificConfig{{
		Config: &cpb.PluginSpecificConfig_JavaArchive{JavaArchive: &cpb.JavaArchiveConfig{MaxOpenedBytes: javaMaxOpenedBytes}},
	}}}
	out := make([]plugin, 0, len(constructors)+1)
	for _, c := range constructors {
		ex, err := c.new(cfg)
		if err != nil {
			return nil, fmt.Errorf("catalog: creating extractor: %w", err)
		}
		out = append(out, plugin{ex: ex, kind: c.kind})
	}
	// scalibr has no extractor for Composer's record of what is installed,
	// and its Go binary extractor loses what Go versions say (gobinary.go).
	out = append(out, plugin{ex: composerInstalled{}, kind: kindText}, plugin{ex: goBinary{}, kind: kindExecutable})
	return out, nil
}

// required returns the plugins that want the file described by api.
func required(plugins []plugin, api filesystem.FileAPI, buf []plugin) []plugin {
	buf = buf[:0]
	for _, p := range plugins {
		if p.ex.FileRequired(api) {
			buf = append(buf, p)
		}
	}
	return buf
}

// executableMagic reports whether the first bytes of a file are those of an
// ELF, Mach-O or PE binary: the only files the Go and Rust binary extractors
// can read anything from.
func executableMagic(b []byte) bool {
	if len(b) < 4 {
		return false
	}
	switch {
	case b[0] == 0x7f && b[1] == 'E' && b[2] == 'L' && b[3] == 'F':
		return true
	case b[0] == 'M' && b[1] == 'Z':
		return true
	}
	switch uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]) {
	case 0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe:
		return true
	}
	return false
}

// scalibr's extractors log what they skip (a package without a version, a
// file that is not the format its name suggests) through a process-wide
// logger that prints to stderr. Everything that matters to a user already
// reaches Inventory.Warnings, so their messages go to slog at debug level,
// where they help when asked for and are silent otherwise.
var quietScalibr sync.Once

func routeScalibrLogs() {
	quietScalibr.Do(func() { scalibrlog.SetLogger(slogAdapter{}) })
}

type slogAdapter struct{}

var _ scalibrlog.Logger = slogAdapter{}

func (slogAdapter) log(msg string) {
	slog.Default().Log(context.Background(), slog.LevelDebug, msg, "from", "osv-scalibr")
}

func (a slogAdapter) Errorf(format string, args ...any) { a.log(fmt.Sprintf(format, args...)) }
func (a slogAdapter) Error(args ...any)                 { a.log(fmt.Sprint(args...)) }
func (a slogAdapter) Warnf(format string, args ...any)  { a.log(fmt.Sprintf(format, args...)) }
func (a slogAdapter) Warn(args ...any)                  { a.log(fmt.Sprint(args...)) }
func (a slogAdapter) Infof(format string, args ...any)  { a.log(fmt.Sprintf(format, args...)) }
func (a slogAdapter) Info(args ...any)                  { a.log(fmt.Sprint(args...)) }
func (a slogAdapter) Debugf(format string, args ...any) { a.log(fmt.Sprintf(format, args...)) }
func (a slogAdapter) Debug(args ...any)                 { a.log(fmt.Sprint(args...)) }
