"""The sections of the manager summary, one module each, in page order: aging trend, collector
workload, collections KPIs, recent alerts, payment risk and credit-limit suggestions. Each reads
its mart and fills a `blocks.Section`, or says why it cannot (`blocks.guarded`)."""
