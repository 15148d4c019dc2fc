
Ê
	k8s_event
reasonZ	Scheduled,
messageZ!assigned prod/reviews-v2 to node1
statusZinfo
	namespace@Zprod
cluster_name_k8s@Zk8s-prod
host@Zfixture-host
__orig_timeŸªÂË«ç…õ÷Á¥