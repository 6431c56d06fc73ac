package enforce

import (
	"context"
	"time"
)

// Publisher queues an event for a namespace's webhooks;
// *webhook.Sender satisfies it.
type Publisher interface {
	Publish(ctx context.Context, namespace, eventType, subject string, data any) error
}

// VerdictChangedEvent is the webhook event type of a flipped verdict.
const VerdictChangedEvent = "verdict.changed"

// flipData is a flipped verdict as a webhook carries it: the same fields
// as a verdict changed by a scan, and the cause.
type flipData struct {
	Repository string   `json:"repository"`
	Digest     string   `json:"digest"`
	Verdict    string   `json:"verdict"`
	Previous   string   `json:"previous"`
	Reasons    []string `json:"reasons,omitempty"`
	Policy     string   `json:"policy,omitempty"`
	Cause      string   `json:"cause"`
}

// PublishFlips returns a flip hook (WithFlipHook) that queues a
// verdict.changed event for each repository holding a flipped image;
// failures go to warn.
func PublishFlips(p Publisher, warn func(msg string, err error)) func(Flip) {
	return func(f Flip) {
		to, from := "fail", "pass"
		if f.Pass {
			to, from = from, to
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for _, repo := range f.Repos {
			d := flipData{Repository: repo, Digest: f.Digest.String(), Verdict: to, Previous: from,
				Policy: f.Verdict.Policy.Name, Cause: "vulnerability database update"}
			for _, r := range f.Verdict.Reasons {
				d.Reasons = append(d.Reasons, r.String())
			}
			if err := p.Publish(ctx, f.Namespace, VerdictChangedEvent, repo+"@"+f.Digest.String(), d); err != nil && warn != nil {
				warn("webhook verdict.changed for "+repo, err)
			}
		}
	}
}
