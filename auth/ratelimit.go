package auth

import (
	"sync"
	"time"
)

// limiter is a token bucket per key. A login attempt takes a token before
// the password is checked and gets it back when the password was right, so
// a caller with the right password is never slowed, while one guessing —
// even with many requests in flight at once — runs dry after burst
// attempts and then gets one more try per refill interval.
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

// take spends one of key's tokens, or reports how long to wait for one.
func (l *limiter) take(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.level(key)
	if b.tokens < 1 {
		wait := time.Duration((1 - b.tokens) * float64(l.refill))
		return false, max(wait, time.Second)
	}
	b.tokens--
	if len(l.buckets) >= maxBuckets {
		l.sweep()
	}
	l.buckets[key] = b
	return true, 0
}

// refund gives back a token taken for an attempt that was no guess.
func (l *limiter) refund(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.level(key)
	b.tokens = min(l.burst, b.tokens+1)
	if b.tokens >= l.burst {
		delete(l.buckets, key)
		return
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
