package catalog

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// layerCache keeps layerResults on disk, one JSON file per layer DiffID,
// under a folder named by cacheVersion so that a new cataloger never reads
// an old cataloger's results.
type layerCache struct {
	dir         string
	maxFileSize int64 // results read under another limit are not reused
}

// diffIDPattern admits only digests, which also keeps a hostile DiffID from
// naming a file outside the cache folder.
var diffIDPattern = regexp.MustCompile(`^[a-z0-9]+:[a-f0-9]{32,128}$`)

func (c *layerCache) path(diffID string) (string, bool) {
	if c == nil || !diffIDPattern.MatchString(diffID) {
		return "", false
	}
	alg, hex, _ := strings.Cut(diffID, ":")
	return filepath.Join(c.dir, cacheVersion, alg, hex+".json"), true
}

// load returns the cached result for diffID, or nil when there is none or
// it cannot be used (unreadable, corrupt, another version): the layer is
// then read again and the entry rewritten.
func (c *layerCache) load(diffID string) *layerResult {
	name, ok := c.path(diffID)
	if !ok {
		return nil
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil
	}
	var res layerResult
	if err := json.Unmarshal(data, &res); err != nil || res.Version != cacheVersion || res.MaxFileSize != c.maxFileSize {
		return nil
	}
	if res.Files == nil {
		res.Files = map[string]*fileResult{}
	}
	return &res
}

// store writes the result atomically: a reader sees the old entry, no
// entry, or the whole new one, never a part.
func (c *layerCache) store(diffID string, res *layerResult) error {
	name, ok := c.path(diffID)
	if !ok {
		return nil
	}
	data, err := json.Marshal(res)
	if err != nil {
		return fmt.Errorf("catalog: encoding cache entry for %s: %w", diffID, err)
	}
	dir := filepath.Dir(name)
	// What an image holds is not everyone's business on a shared machine.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("catalog: cache: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("catalog: cache: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("catalog: cache: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("catalog: cache: %w", err)
	}
	if err := os.Rename(tmp.Name(), name); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("catalog: cache: %w", err)
	}
	return nil
}
