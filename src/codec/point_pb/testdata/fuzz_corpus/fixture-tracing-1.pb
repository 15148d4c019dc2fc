
š
zipkin
span_idZa2fb4a1d1a96d312
	parent_idZ0
start€€ùÀÁÄ‚
duration˜u
messageZ{},
trace_idZ 463ac35c9f6413ad48485a3953bb6124
env@Ztest
project@Zproductpage
resource@ZGET /productpage
service@Zproductpage
source_type@Zweb
	span_type@Zentry
status@Zok
version@Zv1
cluster_name_k8s@Zk8s-prod
host@Zfixture-host
__orig_time‘ÔñÄ«ç…õØøğ