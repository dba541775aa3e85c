"""YARN mode: the job runs as a skein application, one module per place the code runs.

Shape of the application (one per job)::

    skein master  (the ApplicationMaster container)
        python hama_appmaster.py --job-dir . --launcher yarn
        = BSPMaster + SyncServer + Thrift, publishes its address in skein's
          key-value store (``hama.master.address``), progress with set_progress,
          and shuts the application down with the job's final status.
    service "peer"  (0 instances at submit; the master adds one container per task)
        python hama_container.py --job-dir . --yarn
        = one BSP peer; task index from the container's env, master address
          from the key-value store.

Modules, by where they run:

``common``     constants and names shared by all of them
``submit``     the edge node: staging, the application spec, submission, the
               application handle, listing hama applications
``am``         the ApplicationMaster: the master's body inside the AM container
``peers``      the AM's peer launcher: peers as containers of the service ``peer``
``container``  a peer container: its task index, master address and job file

skein is imported lazily: nothing is loaded unless a job runs on YARN.  This
package imports none of its modules, so each place loads only its own.
"""
