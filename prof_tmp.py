import os, django, time, resource
os.environ["DJANGO_SETTINGS_MODULE"]="hub.settings"; django.setup()
from graph import projection, client, similarity
t = time.perf_counter()
r = projection.rebuild()
print("total", round(time.perf_counter() - t, 1), "sim", round(r.similarity_seconds, 1), "maxrss", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, "engine MB", client.get_backend().memory_bytes() // 2**20)
t = time.perf_counter(); j = similarity.run(); print("live job", round(time.perf_counter() - t, 1))
