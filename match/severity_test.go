package match_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/drydock/drydock/match"
)

func TestScoreVector(t *testing.T) {
	tests := []struct {
		typ, vector string
		method      string
		score       float64
		sev         match.Severity
	}{
		// Scores as NVD and FIRST publish them for these vectors.
		{"CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", "CVSSv31", 10.0, match.SeverityCritical},
		{"CVSS_V3", "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", "CVSSv31", 7.8, match.SeverityHigh},
		{"CVSS_V3", "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:N/A:N", "CVSSv31", 5.3, match.SeverityMedium},
		{"CVSS_V3", "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N", "CVSSv31", 3.3, match.SeverityLow},
		{"CVSS_V3", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CVSSv3", 9.8, match.SeverityCritical},
		{"CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", "CVSSv31", 0, match.SeverityUnknown},
		{"CVSS_V4", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "CVSSv4", 9.3, match.SeverityCritical},
		{"CVSS_V4", "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", "CVSSv4", 4.8, match.SeverityMedium},
		{"CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:P/A:P", "CVSSv2", 7.5, match.SeverityHigh},
		{"CVSS_V2", "AV:N/AC:L/Au:N/C:C/I:C/A:C", "CVSSv2", 10.0, match.SeverityHigh},
		{"CVSS_V2", "AV:N/AC:M/Au:N/C:N/I:P/A:N", "CVSSv2", 4.3, match.SeverityMedium},
	}
	for _, tc := range tests {
		got, err := match.ScoreVector(tc.typ, tc.vector)
		if err != nil {
			t.Errorf("ScoreVector(%q): %v", tc.vector, err)
			continue
		}
		if got.Method != tc.method || got.Score != tc.score || got.Severity != tc.sev {
			t.Errorf("ScoreVector(%q) = %s %.1f %s, want %s %.1f %s", tc.vector, got.Method, got.Score, got.Severity, tc.method, tc.score, tc.sev)
		}
	}
	for _, bad := range []string{"CVSS:3.1/AV:X", "CVSS:4.0/AV:N", "", "high"} {
		if _, err := match.ScoreVector("CVSS_V3", bad); err == nil {
			t.Errorf("ScoreVector(%q) = nil error, want one", bad)
		}
	}
}

func TestParseSeverity(t *testing.T) {
	tests := []struct {
		in   string
		want match.Severity
	}{
		{"critical", match.SeverityCritical}, {"HIGH", match.SeverityHigh}, {"medium", match.SeverityMedium},
		{"Moderate", match.SeverityMedium}, {" low ", match.SeverityLow}, {"unknown", match.SeverityUnknown},
	}
	for _, tc := range tests {
		got, err := match.ParseSeverity(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseSeverity(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	_, err := match.ParseSeverity("severe")
	var se *match.SeverityError
	if !errors.As(err, &se) || !se.InvalidInput() {
		t.Errorf("ParseSeverity(severe) error = %v, want a *SeverityError with exit code 2", err)
	}
}

func TestSeverityText(t *testing.T) {
	for s := match.SeverityUnknown; s <= match.SeverityCritical; s++ {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var back match.Severity
		if err := json.Unmarshal(b, &back); err != nil || back != s {
			t.Errorf("round trip of %v through %s = %v, %v", s, b, back, err)
		}
	}
	if b, _ := json.Marshal(match.SeverityHigh); string(b) != `"high"` {
		t.Errorf("json of high = %s, want \"high\"", b)
	}
	if _, err := json.Marshal(match.Severity(9)); err == nil {
		t.Error("marshalling Severity(9) succeeded, want an error")
	}
}
