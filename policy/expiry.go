package policy

import "time"

// NextExpiry is the first instant after t at which one of the policy's
// exceptions stops applying, and false when none expires after t. A
// decision cached at t stays the policy's decision until then, as far as
// exceptions go (maxAge, being about the image, is not counted here).
func (p *Policy) NextExpiry(t time.Time) (time.Time, bool) {
	var next time.Time
	for i := range p.exceptions {
		e := p.exceptions[i].expires
		if e.After(t) && (next.IsZero() || e.Before(next)) {
			next = e
		}
	}
	return next, !next.IsZero()
}

// HasMaxAge reports whether the policy limits image age, so a decision
// about one image can change with time alone.
func (p *Policy) HasMaxAge() bool { return p.maxAge > 0 }

// MaxAge is the oldest an image may be (the policy's maxAge), 0 when the
// policy sets no limit.
func (p *Policy) MaxAge() time.Duration { return p.maxAge }
