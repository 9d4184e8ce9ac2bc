package triage

import (
	"bytes"
	"encoding/csv"
	"path/filepath"
	"testing"
)

func FuzzParseAlertEntities(f *testing.F) {
	f.Add(readTestdata(f, "entities.json"))
	recs, err := csv.NewReader(bytes.NewReader(readTestdata(f, "alertlist.csv"))).ReadAll()
	if err != nil {
		f.Fatal(err)
	}
	col := -1
	for i, name := range recs[0] {
		if name == "Entities" {
			col = i
		}
	}
	seen := map[string]bool{}
	for _, rec := range recs[1:] {
		if e := rec[col]; len(e) < 4000 && !seen[e] && len(seen) < 20 {
			seen[e] = true
			f.Add([]byte(e))
		}
	}
	for _, s := range []string{
		`[{"$id":"1","Type":"process","ParentProcess":{"$ref":"1"}}]`,
		`[{"$id":"1","$ref":"1"}]`,
		`{"1":{"$id":"1","Type":"ip","Address":"::1%eth0"}}`,
		`"[{\"Type\":\"url\",\"Url\":\"http://x\"}]"`,
		`[{"Type":"blob","Host":{"Type":"host","HostName":"h"}}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ents, probs := ParseAlertEntities(data, "fuzz")
		checkEntities(t, ents)
		checkProblems(t, probs)
	})
}

func FuzzParseAPIEntities(f *testing.F) {
	files, err := filepath.Glob("testdata/sentinel-api/*.json")
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds: %v", err)
	}
	for _, name := range files {
		f.Add(exampleBody(f, filepath.Base(name)))
	}
	f.Add([]byte(`{"entities":[{"name":"a","kind":"Process","properties":{"hostEntityId":"a","imageFileEntityId":"b"}},{"name":"b","kind":"File","properties":{"fileHashEntityIds":["a","b"]}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ents, probs := ParseAPIEntities(data, "fuzz")
		checkEntities(t, ents)
		checkProblems(t, probs)
	})
}

func checkProblems(t *testing.T, probs []Problem) {
	t.Helper()
	if len(probs) > maxProblems+1 {
		t.Errorf("%d problems", len(probs))
	}
	for _, p := range probs {
		if p.Where == "" || p.What == "" {
			t.Errorf("empty problem %+v", p)
		}
	}
}

func FuzzParseGraphEvidence(f *testing.F) {
	f.Add([]byte(graphEvidenceSample))
	for _, s := range []string{
		`[{"@odata.type":"#microsoft.graph.security.processEvidence","processId":{"a":1},"imageFile":"x","parentProcessImageFile":{"sha1":[1]}}]`,
		`[{"@odata.type":"#microsoft.graph.security.networkConnectionEvidence","sourceAddress":{"ipAddress":"::1%eth0"},"destinationAddress":[]}]`,
		`[{"@odata.type":"#microsoft.graph.security.malwareEvidence","files":[{"fileDetails":{"fileName":"a","filePath":"a"}}],"processes":{}}]`,
		`[{"@odata.type":"#microsoft.graph.security.registryValueEvidence","registryHive":{"h":1},"registryKey":""}]`,
		`[{"@odata.type":"#microsoft.graph.security.kubernetesPodEvidence","containers":[{"image":{"digestImage":{}}}]}]`,
		`[{"@odata.type":7},null,"x",{"@odata.type":"#microsoft.graph.security.userEvidence","userAccount":{"accountName":"a@b","userPrincipalName":"a@"}}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ents, probs := ParseGraphEvidence(data, "fuzz")
		checkEntities(t, ents)
		checkProblems(t, probs)
	})
}
