package dbartifact_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/drydock/drydock/sign"
	"github.com/drydock/drydock/sign/signtest"
	"github.com/drydock/drydock/vulndb/dbartifact"
)

// TestSignedDatabase: a database pushed with the publisher's key pulls with
// that key; with another key, or unsigned, the pull is refused as
// unverified and the scanner's database is left as it was.
func TestSignedDatabase(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	host := startRegistry(t)
	src := filepath.Join(t.TempDir(), "vuln.db")
	buildDB(t, src, t0)
	publisher, publisherPub := signtest.KeyPair(t, "publisher.pub")
	publisherPub.Name = "publisher.pub"
	_, strangerPub := signtest.KeyPair(t, "publisher.pub")
	strangerPub.Name = "stranger.pub"
	signed, unsigned := host+"/vulndb/osv:signed", host+"/vulndb/osv:unsigned"
	if _, err := dbartifact.Push(ctx, src, signed, append(asAdmin, dbartifact.WithSigner(publisher))...); err != nil {
		t.Fatalf("signed Push: %v", err)
	}
	if _, err := dbartifact.Push(ctx, src, unsigned, asAdmin...); err != nil {
		t.Fatalf("unsigned Push: %v", err)
	}
	dst := filepath.Join(t.TempDir(), "vuln.db")
	for _, tc := range []struct {
		ref string
		key *sign.PublicKey
	}{{signed, strangerPub}, {unsigned, publisherPub}} {
		_, err := dbartifact.Pull(ctx, dst, tc.ref, append(asAdmin, dbartifact.WithKeys(tc.key))...)
		var ve *sign.VerificationError
		if !errors.As(err, &ve) {
			t.Errorf("Pull %s with %s: %v, want a *sign.VerificationError", tc.ref, tc.key.Name, err)
		}
		if _, statErr := os.Stat(dst); !os.IsNotExist(statErr) {
			t.Errorf("Pull %s with %s left a database at %s", tc.ref, tc.key.Name, dst)
		}
	}
	res, err := dbartifact.Pull(ctx, dst, signed, append(asAdmin, dbartifact.WithKeys(strangerPub, publisherPub))...)
	if err != nil || res.Records != 2 {
		t.Fatalf("Pull with the publisher's key: %+v, %v", res, err)
	}
}
