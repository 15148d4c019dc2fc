
Æ
netflow

bytes_read€
bytes_written€
dst_ip@Z10.0.0.2
src_ip@Z10.0.0.1
	transport@Ztcp
cluster_name_k8s@Zk8s-prod
host@Zfixture-host
__orig_time„—î¸›è…õ¹Ôë’„