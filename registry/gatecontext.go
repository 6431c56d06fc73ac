package registry

import "context"

type headKey struct{}

// AskedForHead reports whether a Gate is asked about a HEAD request: the
// client learns only that the blob exists and its size. Clients pushing an
// image check the blobs they would upload this way, so a gate that guards
// content may let these through.
func AskedForHead(ctx context.Context) bool {
	head, _ := ctx.Value(headKey{}).(bool)
	return head
}

// withHead marks ctx as serving a HEAD request when head is true.
func withHead(ctx context.Context, head bool) context.Context {
	if !head {
		return ctx
	}
	return context.WithValue(ctx, headKey{}, true)
}
