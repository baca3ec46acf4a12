// go-informer: the client-go peer of test/bench/informer.bench.ts. It runs one
// SharedIndexInformer over the ConfigMaps of one namespace and reports, as JSON
// lines on stdout: the time from start to synced (and the CPU time this process
// used meanwhile, getrusage user+system), the heap retained after sync
// (runtime.GC then MemStats.HeapAlloc, before and after), and, once it reads a
// round token on stdin, the wall-clock time (Unix ms) at which it had seen an
// update carrying that token for every one of N objects.
// Usage: go-informer <kubeconfig> <namespace> <expected-updates>
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
)

func emit(v map[string]any) {
	b, _ := json.Marshal(v)
	fmt.Println(string(b))
}

func heapAlloc() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// cpuMs is the CPU time (user + system) this process has used so far.
func cpuMs() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e6
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: go-informer <kubeconfig> <namespace> <expected-updates>")
		os.Exit(2)
	}
	kubeconfig, namespace := os.Args[1], os.Args[2]
	expected, err := strconv.Atoi(os.Args[3])
	if err != nil {
		panic(err)
	}
	config, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		panic(err)
	}
	config.QPS = -1 // no client-side limit, like the Node peers
	clientset, err := kubernetes.NewForConfig(config)
	if err != nil {
		panic(err)
	}
	heapBefore := heapAlloc()

	var mu sync.Mutex
	token := ""
	seen := map[string]bool{}
	done := make(chan time.Time, 1)

	lw := cache.NewListWatchFromClient(clientset.CoreV1().RESTClient(), "configmaps", namespace, fields.Everything())
	informer := cache.NewSharedIndexInformer(lw, &corev1.ConfigMap{}, 0, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	_, err = informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(_, newObj any) {
			cm := newObj.(*corev1.ConfigMap)
			mu.Lock()
			defer mu.Unlock()
			if token == "" || cm.Data["round"] != token || seen[cm.Name] {
				return
			}
			seen[cm.Name] = true
			if len(seen) == expected {
				done <- time.Now()
			}
		},
	})
	if err != nil {
		panic(err)
	}

	stop := make(chan struct{})
	start := time.Now()
	cpuStart := cpuMs()
	go informer.Run(stop)
	if !cache.WaitForCacheSync(stop, informer.HasSynced) {
		panic("cache did not sync")
	}
	syncMs := float64(time.Since(start).Microseconds()) / 1000
	syncCPU := cpuMs() - cpuStart
	objects := len(informer.GetStore().ListKeys())
	emit(map[string]any{"event": "synced", "ms": syncMs, "cpuMs": syncCPU, "objects": objects})
	emit(map[string]any{"event": "heap", "before": heapBefore, "after": heapAlloc()})

	in := bufio.NewReader(os.Stdin)
	line, err := in.ReadString('\n')
	if err != nil {
		panic(err)
	}
	mu.Lock()
	token = strings.TrimSpace(line)
	mu.Unlock()
	emit(map[string]any{"event": "armed"})
	at := <-done
	emit(map[string]any{"event": "seen", "at": float64(at.UnixMicro()) / 1000})
	close(stop)
}
