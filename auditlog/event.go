// Package auditlog records every decision drydock makes about who did what:
// logins, pushes, pulls, deletes, denials with their reason, role and user
// changes. Each event goes to the store and out as one JSON log line.
package auditlog

import (
	"context"
	"time"
)

// Outcomes of an event.
const (
	OutcomeAllowed = "allowed"
	OutcomeDenied  = "denied"
	OutcomeFailed  = "failed"
)

// Event is one audited action.
type Event struct {
	ID     int64     `json:"id,omitempty"`
	Time   time.Time `json:"time"`
	Actor  string    `json:"actor"`  // user or robot name; "" for anonymous
	Action string    `json:"action"` // "login", "push", "pull", "delete", "user.create", "member.add", …
	// Repo is the repository ("team/app") where one applies.
	Repo string `json:"repo,omitempty"`
	// Target is what was acted on: a digest, a tag, a user name.
	Target  string `json:"target,omitempty"`
	Outcome string `json:"outcome"`
	// Reason says why a denial or failure happened.
	Reason string `json:"reason,omitempty"`
	Addr   string `json:"addr,omitempty"` // client address
	// Version is the drydock build that recorded the event; Log.Record
	// sets it.
	Version string `json:"version,omitempty"`
}

// Recorder keeps events. Implementations must not block the caller for long.
type Recorder interface {
	Record(ctx context.Context, e Event) error
}
