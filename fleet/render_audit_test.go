package fleet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/drydock/drydock/fleet"
	"github.com/drydock/drydock/image/imagetest"
	"github.com/drydock/drydock/store/storetest"
)

// TestWriteRealAudit renders reports made by a real audit (the registry,
// scanner and database of the audit tests): a first audit, then one after
// a database update that makes util-linux's CVE-2024-28085 affect the
// tools image. Every format must lead with it.
func TestWriteRealAudit(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, storetest.SQLite(t), "DEBIAN-CVE-2024-28085")
	web := push(t, e.private.host, "prod/web:1", debian(t, "web", imagetest.DpkgStanza("libc6", "glibc", "2.36-9+deb12u1")))
	e.scanOnPush(t, "prod/web", web)
	tools := push(t, e.private.host, "ops/tools:1", debian(t, "tools", imagetest.DpkgStanza("util-linux", "", "2.38.1-5")))
	src := &listed{name: "inventory test", rs: []fleet.Running{
		deploy("Deployment", "prod", "web", e.private.host+"/prod/web:1", web),
		deploy("CronJob", "ops", "tools", e.private.host+"/ops/tools:1", tools),
	}}
	first, err := e.auditor.Run(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	e.update(t)
	second, err := e.auditor.Run(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if len(second.New) != 1 || second.New[0].ID != "CVE-2024-28085" {
		t.Fatalf("the audit after the update found new %+v; want CVE-2024-28085 (the audit's own tests say why)", second.New)
	}

	write := func(rep *fleet.Report, format string) string {
		var b bytes.Buffer
		if err := fleet.Write(&b, rep, format); err != nil {
			t.Fatalf("Write(%s): %v", format, err)
		}
		return b.String()
	}
	totals := map[string]string{"table": "\nTOTALS\n", "markdown": "\n## Totals\n", "html": `<section id="totals"`}
	for format, marker := range totals {
		if out := write(first, format); !strings.Contains(strings.ToLower(out), "this is the first audit") {
			t.Errorf("%s: the first audit's report does not say it is the first", format)
		}
		out := write(second, format)
		cve, tot := strings.Index(out, "CVE-2024-28085"), strings.Index(out, marker)
		if cve < 0 || tot < 0 || cve > tot {
			t.Errorf("%s: CVE-2024-28085 at %d, totals at %d; want the new vulnerability first", format, cve, tot)
		}
		if lead := out[:max(tot, 0)]; !strings.Contains(lead, "CronJob ops/tools") || !strings.Contains(lead, "util-linux 2.38.1-5") {
			t.Errorf("%s: the new section does not name the workload and package it hits:\n%s", format, lead)
		}
	}
	var back fleet.Report
	if err := json.Unmarshal([]byte(write(second, "json")), &back); err != nil {
		t.Fatal(err)
	}
	// Times come back without their monotonic reading; compare as JSON.
	again, _ := json.Marshal(&back)
	want, _ := json.Marshal(second)
	if !reflect.DeepEqual(again, want) {
		t.Errorf("the JSON report does not round-trip:\n%s\n%s", again, want)
	}
}
