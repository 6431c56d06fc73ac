package auth

import (
	"sync"
	"time"
)

// limiter is a token bucket per key that only failures drain: a caller with
// the right password is never slowed, one guessing runs dry after burst
// failures and then gets one more try per refill interval.
type limiter struct {
	mu      sync.Mutex
	burst   float64
	refill  time.Duration
	now     func() time.Time
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// maxBuckets bounds memory under a flood of distinct user names or
// addresses; full buckets carry no information and are dropped first.
const maxBuckets = 50000

func newLimiter(burst int, refill time.Duration, now func() time.Time) *limiter {
	return &limiter{burst: float64(burst), refill: refill, now: now, buckets: map[string]*bucket{}}
}

// level refills b up to now and returns it; the caller holds mu.
func (l *limiter) level(key string) *bucket {
	now := l.now()
	b, ok := l.buckets[key]
	if !ok {
		return &bucket{tokens: l.burst, last: now}
	}
	if el := now.Sub(b.last); el > 0 {
		b.tokens = min(l.burst, b.tokens+float64(el)/float64(l.refill))
		b.last = now
	}
	return b
}

// check reports whether key may try again, and if not, how long to wait.
func (l *limiter) check(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.level(key)
	if b.tokens >= 1 {
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) * float64(l.refill))
	return false, max(wait, time.Second)
}

// fail takes one token from key's bucket.
func (l *limiter) fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.level(key)
	b.tokens = max(0, b.tokens-1)
	if len(l.buckets) >= maxBuckets {
		l.sweep()
	}
	l.buckets[key] = b
}

// sweep drops buckets that have refilled; the caller holds mu.
func (l *limiter) sweep() {
	for k := range l.buckets {
		if b := l.level(k); b.tokens >= l.burst {
			delete(l.buckets, k)
		}
	}
}
