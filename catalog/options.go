package catalog

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// Option configures Catalog.
type Option func(*options) error

type options struct {
	cacheDir    string
	noCache     bool
	maxFileSize int64
	spoolSize   int64
	tempDir     string
	concurrency int
}

const (
	defaultMaxFileSize = 512 << 20
	defaultSpoolSize   = 8 << 20
)

func defaults() *options {
	return &options{
		maxFileSize: defaultMaxFileSize,
		spoolSize:   defaultSpoolSize,
		concurrency: min(runtime.GOMAXPROCS(0), 4),
	}
}

// cacheDirOrDefault resolves the cache folder only when a cache is used, so
// that WithoutCache works where the user has no cache directory.
func (o *options) cacheDirOrDefault() (string, error) {
	if o.cacheDir != "" {
		return o.cacheDir, nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("catalog: no cache directory (use WithCacheDir or WithoutCache): %w", err)
	}
	return filepath.Join(base, "drydock", "catalog"), nil
}

// WithCacheDir keeps per-layer results in dir, created when missing.
// Default: os.UserCacheDir()/drydock/catalog.
func WithCacheDir(dir string) Option {
	return func(o *options) error {
		if dir == "" {
			return &OptionError{Option: "WithCacheDir", Reason: "empty directory"}
		}
		o.cacheDir = dir
		return nil
	}
}

// WithoutCache reads every layer and writes nothing to disk except
// transient temporary files. Default: the cache is used.
func WithoutCache() Option {
	return func(o *options) error {
		o.noCache = true
		return nil
	}
}

// WithMaxFileSize skips package files larger than n bytes with a warning.
// Default: 512 MiB. n must be positive.
func WithMaxFileSize(n int64) Option {
	return func(o *options) error {
		if n <= 0 {
			return &OptionError{Option: "WithMaxFileSize", Reason: fmt.Sprintf("size %d is not positive", n)}
		}
		o.maxFileSize = n
		return nil
	}
}

// WithTempDir sets where files too big to hold in memory (over 8 MiB), and
// databases that their library opens by name (rpm), are written while an
// extractor reads them; each is removed as soon as it has been read.
// Default: os.TempDir(). dir must exist.
func WithTempDir(dir string) Option {
	return func(o *options) error {
		st, err := os.Stat(dir)
		if err != nil {
			return &OptionError{Option: "WithTempDir", Reason: err.Error()}
		}
		if !st.IsDir() {
			return &OptionError{Option: "WithTempDir", Reason: dir + " is not a directory"}
		}
		o.tempDir = dir
		return nil
	}
}

// WithConcurrency sets how many layers are read at the same time.
// Default: GOMAXPROCS, at most 4. n must be at least 1.
func WithConcurrency(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return &OptionError{Option: "WithConcurrency", Reason: fmt.Sprintf("%d is less than 1", n)}
		}
		o.concurrency = n
		return nil
	}
}

// OptionError is an invalid option value: the caller's mistake.
type OptionError struct {
	Option string
	Reason string
}

func (e *OptionError) Error() string { return "catalog: " + e.Option + ": " + e.Reason }

// InvalidInput reports true: a bad option is the caller's mistake.
func (e *OptionError) InvalidInput() bool { return true }
