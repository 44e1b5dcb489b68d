# Settings of every single-user server of this environment (native venv and image):
# <sys.prefix>/etc/jupyter/jupyter_server_config.py. The deployment sets the values through
# the environment (native mode: Spawner.environment; Kubernetes: singleuser.extraEnv).
import os

# get_config is provided by Jupyter's config loader.
c = get_config()  # noqa: F821  # pylint: disable=undefined-variable

# Shut idle kernels down inside the server, so that an open browser tab alone does not keep
# a server (and the hub's idle culler) from ever stopping it.
c.MappingKernelManager.cull_idle_timeout = int(os.environ.get('DATAMESH_KERNEL_CULL_IDLE_TIMEOUT', '3600'))
c.MappingKernelManager.cull_interval = int(os.environ.get('DATAMESH_KERNEL_CULL_INTERVAL', '300'))
c.MappingKernelManager.cull_connected = os.environ.get('DATAMESH_KERNEL_CULL_CONNECTED', 'true').lower() == 'true'
