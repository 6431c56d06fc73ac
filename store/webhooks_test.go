package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/store/storetest"
)

func TestWebhookTables(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		id, err := st.CreateWebhook(ctx, store.Webhook{Namespace: "team", URL: "https://hooks.example/in", Secret: "s3cret", Events: []string{"push", "pull.denied"}})
		if err != nil {
			t.Fatal(err)
		}
		other, _ := st.CreateWebhook(ctx, store.Webhook{Namespace: "other", URL: "http://127.0.0.1:9/x", Secret: "x", Events: []string{"push"}})
		w, err := st.Webhook(ctx, id)
		if err != nil || w.URL != "https://hooks.example/in" || w.Secret != "s3cret" || len(w.Events) != 2 || w.Events[1] != "pull.denied" || w.Created.IsZero() {
			t.Errorf("Webhook = %+v, %v", w, err)
		}
		if ws, _ := st.Webhooks(ctx, "team"); len(ws) != 1 || ws[0].ID != id {
			t.Errorf("Webhooks(team) = %+v, want the one", ws)
		}
		if ws, _ := st.Webhooks(ctx, ""); len(ws) != 2 {
			t.Errorf("Webhooks() = %+v, want both", ws)
		}

		ds := []store.WebhookDelivery{{WebhookID: id, EventID: "e1", EventType: "push", Body: []byte(`{"a":1}`)},
			{WebhookID: other, EventID: "e2", EventType: "push", Body: []byte(`{}`)}}
		if err := st.EnqueueWebhookDeliveries(ctx, ds); err != nil {
			t.Fatal(err)
		}
		due, err := st.DueWebhookDeliveries(ctx, time.Now(), 10)
		if err != nil || len(due) != 2 || due[0].EventID != "e1" || due[0].URL != w.URL || due[0].Secret != "s3cret" || string(due[0].Body) != `{"a":1}` {
			t.Fatalf("due = %+v, %v", due, err)
		}
		// One claim wins; the second on the same row loses.
		d := due[0]
		if ok, err := st.ClaimWebhookDelivery(ctx, d, time.Now().Add(time.Minute)); !ok || err != nil {
			t.Fatalf("claim = %t, %v", ok, err)
		}
		if ok, _ := st.ClaimWebhookDelivery(ctx, d, time.Now().Add(time.Minute)); ok {
			t.Errorf("a second claim of the same delivery succeeded")
		}
		if due, _ := st.DueWebhookDeliveries(ctx, time.Now(), 10); len(due) != 1 || due[0].EventID != "e2" {
			t.Errorf("due after the claim = %+v, want only e2", due)
		}
		d.State, d.Attempts, d.LastStatus, d.LastError, d.NextAttempt = "failed", 3, 500, "HTTP 500", time.Unix(0, 0)
		if err := st.RecordWebhookAttempt(ctx, d); err != nil {
			t.Fatal(err)
		}
		log, err := st.WebhookDeliveries(ctx, id, 10)
		if err != nil || len(log) != 1 || log[0].State != "failed" || log[0].Attempts != 3 || log[0].LastStatus != 500 || log[0].LastError != "HTTP 500" {
			t.Errorf("deliveries = %+v, %v", log, err)
		}
		if err := st.DeleteWebhook(ctx, id); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Webhook(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Webhook after delete = %v, want ErrNotFound", err)
		}
		if err := st.DeleteWebhook(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("second delete = %v, want ErrNotFound", err)
		}
		if log, _ := st.WebhookDeliveries(ctx, id, 10); len(log) != 0 {
			t.Errorf("deliveries outlived their webhook: %+v", log)
		}

		// Pruning takes finished deliveries older than the cut-off only.
		if err := st.EnqueueWebhookDeliveries(ctx, []store.WebhookDelivery{{WebhookID: other, EventID: "e3", EventType: "push", Body: []byte(`{}`)}}); err != nil {
			t.Fatal(err)
		}
		due, _ = st.DueWebhookDeliveries(ctx, time.Now(), 10) // e2 and e3, both pending
		done := due[0]
		done.State, done.Attempts, done.LastStatus = "delivered", 1, 204
		if err := st.RecordWebhookAttempt(ctx, done); err != nil {
			t.Fatal(err)
		}
		if n, err := st.PruneWebhookDeliveries(ctx, time.Now().Add(-time.Hour)); err != nil || n != 0 {
			t.Errorf("prune before an hour ago = %d, %v; want 0", n, err)
		}
		if n, err := st.PruneWebhookDeliveries(ctx, time.Now().Add(time.Hour)); err != nil || n != 1 {
			t.Errorf("prune = %d, %v; want the delivered one only", n, err)
		}
		if left, _ := st.WebhookDeliveries(ctx, other, 10); len(left) != 1 || left[0].State != "pending" {
			t.Errorf("after pruning: %+v, want the pending one", left)
		}
	})
}
