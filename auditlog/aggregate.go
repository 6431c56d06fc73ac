package auditlog

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Anonymous denials are counted, not written one by one: a client without
// credentials can send thousands of requests a minute, and each would
// otherwise be a row. The first denial from an address in a minute is
// written as it happens; the rest of that minute become one summary row
// with their count, written when the minute is over.
type denials struct {
	mu     sync.Mutex
	minute time.Time
	byAddr map[string]*denialCount
}

type denialCount struct {
	more  int
	first Event
}

// maxDenialAddrs bounds the addresses counted in one minute; beyond it,
// denials are written one by one again (as before), which costs rows but
// loses nothing.
const maxDenialAddrs = 10000

func aggregated(e Event) bool { return e.Actor == "" && e.Outcome == OutcomeDenied }

// note counts e, an anonymous denial at now, and reports whether it must
// be written itself; due are the summaries of minutes now over.
func (d *denials) note(e Event, now time.Time) (write bool, due []Event) {
	d.mu.Lock()
	defer d.mu.Unlock()
	m := now.Truncate(time.Minute)
	if !m.Equal(d.minute) {
		due = d.takeLocked()
		d.minute = m
	}
	if c, ok := d.byAddr[e.Addr]; ok {
		c.more++
		return false, due
	}
	if len(d.byAddr) >= maxDenialAddrs {
		return true, due
	}
	if d.byAddr == nil {
		d.byAddr = map[string]*denialCount{}
	}
	d.byAddr[e.Addr] = &denialCount{first: e}
	return true, due
}

// due returns the summaries of a minute that is over by now.
func (d *denials) due(now time.Time) []Event {
	d.mu.Lock()
	defer d.mu.Unlock()
	if now.Truncate(time.Minute).Equal(d.minute) {
		return nil
	}
	return d.takeLocked()
}

// takeLocked turns the counts into summary events and starts afresh.
func (d *denials) takeLocked() []Event {
	var out []Event
	for addr, c := range d.byAddr {
		if c.more == 0 {
			continue
		}
		out = append(out, Event{
			Time: d.minute.Add(time.Minute - time.Nanosecond), Action: c.first.Action, Outcome: OutcomeDenied, Addr: addr,
			Reason: fmt.Sprintf("%d more anonymous requests denied from this address in the minute from %s (first: %s %s: %s)",
				c.more, d.minute.UTC().Format(time.RFC3339), c.first.Action, c.first.Repo, c.first.Reason),
		})
	}
	d.byAddr = nil
	return out
}

// Flush writes the summary of anonymous denials counted so far, the
// current minute's included; drydock serve calls it when it stops.
func (g *Log) Flush(ctx context.Context) error {
	g.denials.mu.Lock()
	due := g.denials.takeLocked()
	g.denials.mu.Unlock()
	return g.write(ctx, due)
}

func (g *Log) write(ctx context.Context, es []Event) error {
	var first error
	for _, e := range es {
		if err := g.store1(ctx, e); err != nil && first == nil {
			first = err
		}
	}
	return first
}
