
“
mysql_instance
versionZ8.0
uptime
name@Zdb1
cluster_name_k8s@Zk8s-prod
host@Zfixture-host
__orig_time‚άσΞ«η…υ’ς¨