package sign

import (
	"encoding/json"
	"fmt"
	"strings"

	intotov1 "github.com/in-toto/attestation/go/v1"
	"github.com/opencontainers/go-digest"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
)

// Predicate types of the attestations drydock writes and reads.
const (
	// PredicateSLSAProvenance is SLSA provenance v1.
	PredicateSLSAProvenance = "https://slsa.dev/provenance/v1"
	// PredicateCycloneDX is a CycloneDX SBOM, as cosign names it.
	PredicateCycloneDX = "https://cyclonedx.org/bom"
	// PredicateVuln is cosign's vulnerability-scan predicate.
	PredicateVuln = "https://cosign.sigstore.dev/attestation/vuln/v1"
	// PredicateVerdict is drydock's policy verdict on the image.
	PredicateVerdict = "https://drydock.dev/attestation/verdict/v1"
	// PredicateCosignSign is the predicate of cosign 3's bundle signature:
	// a statement about the image digest with an empty predicate.
	PredicateCosignSign = "https://sigstore.dev/cosign/sign/v1"
)

// predicateNames are the short names `--attestation` takes.
var predicateNames = map[string]string{
	"slsaprovenance":  PredicateSLSAProvenance,
	"slsaprovenance1": PredicateSLSAProvenance,
	"cyclonedx":       PredicateCycloneDX,
	"vuln":            PredicateVuln,
	"verdict":         PredicateVerdict,
}

// PredicateType resolves a short name (slsaprovenance, cyclonedx, vuln,
// verdict) or takes a predicate-type URI as it is.
func PredicateType(s string) (string, error) {
	if t, ok := predicateNames[s]; ok {
		return t, nil
	}
	if strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://") {
		return s, nil
	}
	return "", inputErr("attestation type", fmt.Errorf("%q: want slsaprovenance, cyclonedx, vuln, verdict or a predicate-type URI", s))
}

// Statement is a verified in-toto v1 statement.
type Statement struct {
	PredicateType string
	// Subjects are the digests the statement is about ("sha256:…").
	Subjects []digest.Digest
	// Predicate is the predicate as JSON.
	Predicate json.RawMessage
}

// NewStatement makes the in-toto v1 statement about subject with a JSON
// predicate, in its canonical protobuf JSON form.
func NewStatement(subject digest.Digest, predicateType string, predicate []byte) ([]byte, error) {
	if err := subject.Validate(); err != nil {
		return nil, inputErr("statement", fmt.Errorf("subject %q: %w", subject, err))
	}
	pred := &structpb.Struct{}
	if len(predicate) > 0 {
		if err := protojson.Unmarshal(predicate, pred); err != nil {
			return nil, inputErr("statement", fmt.Errorf("predicate %s is not a JSON object: %w", predicateType, err))
		}
	}
	st := &intotov1.Statement{
		Type:          intotov1.StatementTypeUri,
		Subject:       []*intotov1.ResourceDescriptor{{Digest: map[string]string{subject.Algorithm().String(): subject.Encoded()}}},
		PredicateType: predicateType,
		Predicate:     pred,
	}
	if err := st.Validate(); err != nil {
		return nil, inputErr("statement", err)
	}
	return protojson.Marshal(st)
}

// ParseStatement reads an in-toto v1 statement (v0.1 statements, which
// cosign's legacy attestations still carry, read the same way).
func ParseStatement(payload []byte) (*Statement, error) {
	var raw struct {
		Type          string          `json:"_type"`
		PredicateType string          `json:"predicateType"`
		Predicate     json.RawMessage `json:"predicate"`
		Subject       []struct {
			Digest map[string]string `json:"digest"`
		} `json:"subject"`
	}
	if err := json.Unmarshal(payload, &raw); err != nil {
		return nil, fmt.Errorf("in-toto statement: %w", err)
	}
	if raw.Type != intotov1.StatementTypeUri && raw.Type != "https://in-toto.io/Statement/v0.1" {
		return nil, fmt.Errorf("in-toto statement: _type %q is not an in-toto statement", raw.Type)
	}
	st := &Statement{PredicateType: raw.PredicateType, Predicate: raw.Predicate}
	for _, s := range raw.Subject {
		for alg, hex := range s.Digest {
			st.Subjects = append(st.Subjects, digest.NewDigestFromEncoded(digest.Algorithm(alg), hex))
		}
	}
	return st, nil
}

// About says whether the statement names dgst among its subjects.
func (s *Statement) About(dgst digest.Digest) bool {
	for _, d := range s.Subjects {
		if d == dgst {
			return true
		}
	}
	return false
}
