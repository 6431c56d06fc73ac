package admission

import (
	"sync"
	"time"

	"github.com/opencontainers/go-digest"
)

// maxCached bounds the cache; past it the cache starts again empty.
const maxCached = 50_000

// cache keeps the verdict and signature answers about a digest as pushed
// to a repository, for ttl or until dropped.
type cache struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[cacheKey]cached
}

type cacheKey struct {
	repo string
	dgst digest.Digest
}

type cached struct {
	reasons []string
	at      time.Time
}

func newCache(ttl time.Duration) *cache {
	return &cache{ttl: ttl, m: map[cacheKey]cached{}}
}

func (c *cache) get(repo string, d digest.Digest, now time.Time) ([]string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[cacheKey{repo, d}]
	if !ok || now.Sub(e.at) >= c.ttl {
		return nil, false
	}
	return e.reasons, true
}

func (c *cache) put(repo string, d digest.Digest, reasons []string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxCached {
		c.m = map[cacheKey]cached{}
	}
	c.m[cacheKey{repo, d}] = cached{reasons: reasons, at: now}
}

func (c *cache) drop(d digest.Digest) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.m {
		if k.dgst == d {
			delete(c.m, k)
		}
	}
}
