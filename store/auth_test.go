package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/store/storetest"
)

func TestAuthUsersAndMembers(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		created := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
		alice := auth.User{Name: "alice", PasswordHash: []byte("$2a$hash"), Admin: true, Created: created}
		if err := st.CreateUser(ctx, alice); err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		if err := st.CreateUser(ctx, alice); !errors.Is(err, auth.ErrExists) || !errors.Is(err, store.ErrConflict) {
			t.Errorf("CreateUser twice = %v, want auth.ErrExists and store.ErrConflict", err)
		}
		got, err := st.GetUser(ctx, "alice")
		if err != nil {
			t.Fatalf("GetUser: %v", err)
		}
		if got.Name != "alice" || string(got.PasswordHash) != "$2a$hash" || !got.Admin || got.Disabled || !got.Created.Equal(created) {
			t.Errorf("GetUser = %+v, want %+v", got, alice)
		}
		got.Disabled, got.TokenGen, got.Admin = true, 7, false
		if err := st.UpdateUser(ctx, got); err != nil {
			t.Fatalf("UpdateUser: %v", err)
		}
		again, _ := st.GetUser(ctx, "alice")
		if !again.Disabled || again.TokenGen != 7 || again.Admin {
			t.Errorf("after UpdateUser: disabled %t gen %d admin %t, want true 7 false", again.Disabled, again.TokenGen, again.Admin)
		}
		if _, err := st.GetUser(ctx, "nobody"); !errors.Is(err, auth.ErrNotFound) {
			t.Errorf("GetUser(nobody) = %v, want auth.ErrNotFound", err)
		}
		if err := st.UpdateUser(ctx, auth.User{Name: "nobody"}); !errors.Is(err, auth.ErrNotFound) {
			t.Errorf("UpdateUser(nobody) = %v, want auth.ErrNotFound", err)
		}

		if err := st.CreateNamespace(ctx, auth.Namespace{Name: "team", Created: created}); err != nil {
			t.Fatalf("CreateNamespace: %v", err)
		}
		if err := st.CreateNamespace(ctx, auth.Namespace{Name: "team", Created: created}); !errors.Is(err, auth.ErrExists) {
			t.Errorf("CreateNamespace twice = %v, want auth.ErrExists", err)
		}
		if err := st.UpdateNamespace(ctx, auth.Namespace{Name: "team", Public: true}); err != nil {
			t.Fatalf("UpdateNamespace: %v", err)
		}
		if ns, err := st.GetNamespace(ctx, "team"); err != nil || !ns.Public {
			t.Errorf("GetNamespace = %+v, %v; want public", ns, err)
		}

		if err := st.PutMember(ctx, auth.Member{Namespace: "team", User: "alice", Role: auth.RoleReader}); err != nil {
			t.Fatalf("PutMember: %v", err)
		}
		if err := st.PutMember(ctx, auth.Member{Namespace: "team", User: "alice", Role: auth.RoleMaintainer}); err != nil {
			t.Fatalf("PutMember (change role): %v", err)
		}
		for _, bad := range []auth.Member{
			{Namespace: "ghost", User: "alice", Role: auth.RoleReader},
			{Namespace: "team", User: "ghost", Role: auth.RoleReader},
		} {
			if err := st.PutMember(ctx, bad); !errors.Is(err, auth.ErrNotFound) {
				t.Errorf("PutMember(%+v) = %v, want auth.ErrNotFound", bad, err)
			}
		}
		m, err := st.GetMember(ctx, "team", "alice")
		if err != nil || m.Role != auth.RoleMaintainer {
			t.Errorf("GetMember = %+v, %v; want maintainer", m, err)
		}
		ms, err := st.ListMemberships(ctx, "alice")
		if err != nil || len(ms) != 1 || ms[0].Namespace != "team" {
			t.Errorf("ListMemberships = %+v, %v; want [team]", ms, err)
		}
		// Deleting the user takes the membership with it.
		if err := st.DeleteUser(ctx, "alice"); err != nil {
			t.Fatalf("DeleteUser: %v", err)
		}
		if _, err := st.GetMember(ctx, "team", "alice"); !errors.Is(err, auth.ErrNotFound) {
			t.Errorf("GetMember after DeleteUser = %v, want auth.ErrNotFound", err)
		}
		if err := st.DeleteUser(ctx, "alice"); !errors.Is(err, auth.ErrNotFound) {
			t.Errorf("DeleteUser twice = %v, want auth.ErrNotFound", err)
		}
	})
}

func TestAuthRobotsKeysAndRevocation(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Now().UTC()
		if err := st.CreateNamespace(ctx, auth.Namespace{Name: "team", Created: now}); err != nil {
			t.Fatal(err)
		}
		ci := auth.Robot{Name: "robot$team+ci", Namespace: "team", Role: auth.RoleWriter, SecretHash: []byte{1, 2, 3},
			Expires: now.Add(time.Hour), CreatedBy: "alice", Created: now}
		forever := auth.Robot{Name: "robot$team+forever", Namespace: "team", Role: auth.RoleReader, SecretHash: []byte{4}, Created: now}
		for _, r := range []auth.Robot{ci, forever} {
			if err := st.CreateRobot(ctx, r); err != nil {
				t.Fatalf("CreateRobot(%s): %v", r.Name, err)
			}
		}
		if err := st.CreateRobot(ctx, auth.Robot{Name: "robot$ghost+x", Namespace: "ghost", Role: auth.RoleReader, SecretHash: []byte{1}, Created: now}); err == nil {
			t.Error("CreateRobot in a missing namespace succeeded, want a foreign-key error")
		}
		got, err := st.GetRobot(ctx, ci.Name)
		if err != nil {
			t.Fatalf("GetRobot: %v", err)
		}
		if got.Role != auth.RoleWriter || !got.Expires.Equal(ci.Expires) || got.CreatedBy != "alice" || string(got.SecretHash) != "\x01\x02\x03" {
			t.Errorf("GetRobot = %+v, want %+v", got, ci)
		}
		if f, _ := st.GetRobot(ctx, forever.Name); !f.Expires.IsZero() {
			t.Errorf("robot without expiry came back expiring %v, want zero", f.Expires)
		}
		got.Disabled, got.TokenGen = true, 3
		if err := st.UpdateRobot(ctx, got); err != nil {
			t.Fatal(err)
		}
		if r, _ := st.GetRobot(ctx, ci.Name); !r.Disabled || r.TokenGen != 3 {
			t.Errorf("after UpdateRobot: %+v, want disabled gen 3", r)
		}
		if rs, err := st.ListRobots(ctx, "team"); err != nil || len(rs) != 2 {
			t.Errorf("ListRobots(team) = %d robots, %v; want 2", len(rs), err)
		}
		// Deleting the namespace deletes its robots.
		if err := st.DeleteNamespace(ctx, "team"); err != nil {
			t.Fatal(err)
		}
		if rs, err := st.ListRobots(ctx, ""); err != nil || len(rs) != 0 {
			t.Errorf("ListRobots after DeleteNamespace = %d, %v; want 0", len(rs), err)
		}

		if _, _, err := st.GetSigningKey(ctx); !errors.Is(err, auth.ErrNotFound) {
			t.Errorf("GetSigningKey on a fresh store = %v, want auth.ErrNotFound", err)
		}
		if err := st.AddSigningKey(ctx, "k1", []byte("pem1")); err != nil {
			t.Fatal(err)
		}
		if err := st.AddSigningKey(ctx, "k2", []byte("pem2")); !errors.Is(err, auth.ErrExists) {
			t.Errorf("second AddSigningKey = %v, want auth.ErrExists", err)
		}
		if kid, pem, err := st.GetSigningKey(ctx); err != nil || kid != "k1" || string(pem) != "pem1" {
			t.Errorf("GetSigningKey = %q %q %v, want k1 pem1", kid, pem, err)
		}

		if err := st.RevokeToken(ctx, "old", now.Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := st.RevokeToken(ctx, "new", now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := st.RevokeToken(ctx, "new", now.Add(time.Minute)); err != nil {
			t.Errorf("revoking twice = %v, want nil", err)
		}
		n, err := st.PruneRevokedTokens(ctx, now)
		if err != nil || n != 1 {
			t.Errorf("PruneRevokedTokens = %d, %v; want 1", n, err)
		}
		for jti, want := range map[string]bool{"old": false, "new": true, "never": false} {
			if got, err := st.TokenRevoked(ctx, jti); err != nil || got != want {
				t.Errorf("TokenRevoked(%s) = %t, %v; want %t", jti, got, err, want)
			}
		}
	})
}
