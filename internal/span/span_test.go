package span

import "testing"

func TestParseSpan(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"90d", "2160h0m0s", false},
		{"12h", "12h0m0s", false},
		{"30m", "30m0s", false},
		{"0d", "", true},
		{"-1h", "", true},
		{"d", "", true},
		{"5x", "", true},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if (err != nil) != tt.wantErr || (err == nil && got.String() != tt.want) {
			t.Errorf("Parse(%q) = %v, %v; want %s error %t", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}
