// metrics-checker reads a Prometheus text exposition (format 0.0.4) on stdin, parses it with
// Prometheus' own parser (github.com/prometheus/common/expfmt), checks each histogram's buckets
// (a +Inf bucket, cumulative counts that never fall, +Inf equal to _count), and prints the
// parsed families as one JSON document on stdout. On a parse or check failure it prints
// {"error": "..."} and exits 1. test/unit and test/integration metrics tests drive it.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

type bucket struct {
	Le    string `json:"le"`
	Count uint64 `json:"count"`
}

type sample struct {
	Labels  map[string]string `json:"labels"`
	Value   *float64          `json:"value,omitempty"`
	Buckets []bucket          `json:"buckets,omitempty"`
	Sum     *float64          `json:"sum,omitempty"`
	Count   *uint64           `json:"count,omitempty"`
}

type family struct {
	Name    string   `json:"name"`
	Help    string   `json:"help"`
	Type    string   `json:"type"`
	Metrics []sample `json:"metrics"`
}

func fail(format string, args ...any) {
	msg, _ := json.Marshal(map[string]string{"error": fmt.Sprintf(format, args...)})
	fmt.Println(string(msg))
	os.Exit(1)
}

func formatLe(v float64) string {
	if math.IsInf(v, 1) {
		return "+Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func main() {
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail("reading stdin: %v", err)
	}
	parser := expfmt.NewTextParser(model.LegacyValidation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(in))
	if err != nil {
		fail("parse: %v", err)
	}
	names := make([]string, 0, len(families))
	for n := range families {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]family, 0, len(names))
	for _, n := range names {
		mf := families[n]
		f := family{Name: n, Help: mf.GetHelp(), Type: mf.GetType().String(), Metrics: []sample{}}
		for _, m := range mf.GetMetric() {
			s := sample{Labels: map[string]string{}}
			for _, lp := range m.GetLabel() {
				s.Labels[lp.GetName()] = lp.GetValue()
			}
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				v := m.GetCounter().GetValue()
				s.Value = &v
			case dto.MetricType_GAUGE:
				v := m.GetGauge().GetValue()
				s.Value = &v
			case dto.MetricType_UNTYPED:
				v := m.GetUntyped().GetValue()
				s.Value = &v
			case dto.MetricType_HISTOGRAM:
				h := m.GetHistogram()
				sum, count := h.GetSampleSum(), h.GetSampleCount()
				s.Sum, s.Count = &sum, &count
				var prev uint64
				sawInf := false
				for i, b := range h.GetBucket() {
					if i > 0 && b.GetCumulativeCount() < prev {
						fail("%s%v: bucket le=%s count %d is below the previous bucket's %d", n, s.Labels, formatLe(b.GetUpperBound()), b.GetCumulativeCount(), prev)
					}
					prev = b.GetCumulativeCount()
					if math.IsInf(b.GetUpperBound(), 1) {
						sawInf = true
						if b.GetCumulativeCount() != count {
							fail("%s%v: +Inf bucket %d differs from _count %d", n, s.Labels, b.GetCumulativeCount(), count)
						}
					}
					s.Buckets = append(s.Buckets, bucket{Le: formatLe(b.GetUpperBound()), Count: b.GetCumulativeCount()})
				}
				if !sawInf {
					fail("%s%v: no +Inf bucket", n, s.Labels)
				}
			default:
				fail("%s: unexpected type %s", n, mf.GetType())
			}
			f.Metrics = append(f.Metrics, s)
		}
		out = append(out, f)
	}
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(out); err != nil {
		fail("encoding: %v", err)
	}
}
