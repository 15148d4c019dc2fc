
¬
nginx
messageZGET /index.html 200
statusZinfo

bytes€
host@Zfixture-host
service@Zweb
cluster_name_k8s@Zk8s-prod
__orig_timeñÖ»Á«ç…õ²¿›
 
nginx
messageZupstream timed out
statusZerror
service@Zweb
cluster_name_k8s@Zk8s-prod
host@Zfixture-host
__orig_timeñÖ»Á«ç…õ²¿›